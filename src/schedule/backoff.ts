/**
 * Retry delay after a failed run: exponential from `initialBackoffSeconds`, doubling per retry,
 * capped at `maxBackoffSeconds`. Attempt 1 is the first retry. Pure, so the controller can
 * recompute the due time of a pending retry after a restart from the failure time alone.
 */

export interface BackoffPolicy {
  readonly initialBackoffSeconds: number;
  readonly maxBackoffSeconds: number;
}

/** Delay in milliseconds before retry number `attempt` (1-based). 0 for attempt < 1. */
export function retryDelayMs(attempt: number, policy: BackoffPolicy): number {
  if (!(attempt >= 1)) return 0;
  const initial = Math.max(0, policy.initialBackoffSeconds) * 1000;
  const cap = Math.max(0, policy.maxBackoffSeconds) * 1000;
  // 2^52 already exceeds any sane cap; clamping the exponent keeps the arithmetic finite.
  const exponent = Math.min(Math.floor(attempt) - 1, 52);
  return Math.min(initial * 2 ** exponent, cap);
}
