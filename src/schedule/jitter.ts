/**
 * Deterministic jitter: a delay in [0, maxSeconds] seconds (millisecond resolution) derived from
 * the job's hash key and the scheduled time, never from a random source. A restarted process
 * computes the same delayed due time, so a run name derived from the scheduled time still
 * matches, and a run already started is not started again at a different instant.
 */
import { mix32, stableHash } from './hash.ts';

/** Jitter delay in milliseconds, in [0, maxSeconds * 1000]. Zero when maxSeconds <= 0. */
export function jitterMs(hashKey: string, scheduledMs: number, maxSeconds: number): number {
  if (!(maxSeconds > 0)) return 0;
  const span = Math.floor(maxSeconds * 1000) + 1;
  // Two independent 32-bit words give 53 uniform bits, so spans of any size stay unbiased enough.
  const low = stableHash(hashKey, scheduledMs % 0x7fffffff);
  const high = mix32(low ^ Math.floor(scheduledMs / 0x7fffffff) ^ 0x5bd1e995);
  const unit = (high * 2 ** 21 + (low >>> 11)) / 2 ** 53;
  return Math.floor(unit * span);
}

/** The due time of a run scheduled at `scheduledMs` once jitter is added. */
export function jitteredDueMs(hashKey: string, scheduledMs: number, maxSeconds: number): number {
  return scheduledMs + jitterMs(hashKey, scheduledMs, maxSeconds);
}
