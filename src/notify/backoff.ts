/** Delay before retry `n` (1-based): initial * 2^(n-1), at most max. Pure. */
export function retryDelayMs(n: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, n - 1));
}
