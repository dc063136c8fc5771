/**
 * What `promise` settles to, or what `late()` gives once `ms` have passed without it settling: for a wait
 * on something that may never answer (a database gone without a reset). The promise is left running.
 */
export function within<T, L>(promise: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([promise, timedOut]).finally(() => clearTimeout(timer));
}
