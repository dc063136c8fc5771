/**
 * Polls probe until it returns a value other than undefined, and returns that value. A probe that throws
 * counts as not yet (the service may still be starting); after timeoutMs it fails, saying what it
 * awaited and the last error seen.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await probe().catch((err: unknown) => void (lastError = err));
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`;
      throw new Error(`${what}: not seen within ${timeoutMs} ms${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
