export interface WaitOptions {
  /** How long to keep trying; default 20 s. */
  timeoutMs?: number;
  /** The pause between tries; default 100 ms. */
  everyMs?: number;
  /**
   * Asked before each try: an error it returns ends the wait at once (a process that exited, say, rather
   * than a timeout much later).
   */
  failFast?: () => Error | undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What waitFor throws when its time is up. */
export class WaitTimeout extends Error {}

/**
 * Polls probe until it returns a value other than undefined, and returns that value. A probe that throws
 * counts as not yet (the service may still be starting); after timeoutMs it fails, saying what it awaited
 * and the last error seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 20_000, everyMs = 100, failFast } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const fatal = failFast?.();
    if (fatal) throw fatal;
    const value = await probe().catch((err: unknown) => void (lastError = err));
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${messageOf(lastError)})`;
      throw new WaitTimeout(`waiting for ${what}: not seen within ${timeoutMs} ms${cause}`);
    }
    await sleep(everyMs);
  }
}
