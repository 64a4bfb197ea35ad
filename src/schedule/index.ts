/**
 * schedule: the pure scheduling math.
 *
 * Contract
 * - In: a job's `spec.schedule`, `spec.timeZone` and a stable hash key (namespace/name); instants
 *   as epoch milliseconds passed in by the caller.
 * - Out: a `CompiledSchedule` whose `next(afterMs)` gives the first due time strictly after
 *   `afterMs` (or undefined), or a short reason naming the field at fault; missed-run counts
 *   (Kubernetes CronJob v2 semantics); deterministic jitter; retry backoff delays.
 * - Never: reads the clock (no Date.now()), does I/O, holds a croner `Cron` per job (evaluators are
 *   shared per (pattern, zone) in a bounded cache), or returns a time at or before `afterMs`.
 * - Same inputs give the same outputs in every process: H values, @every phases and jitter derive
 *   from a stable hash, so a restarted operator computes the same due times.
 * - DST: a fixed-time job whose local time falls in a spring-forward gap runs at the first valid
 *   instant after it; interval-style patterns skip gap times; a wall time repeated by fall-back
 *   runs once (its first occurrence). See docs/scheduling.md.
 */

export { type BackoffPolicy, retryDelayMs } from './backoff.ts';
export {
  type CompiledSchedule,
  type CompileOptions,
  type CompileResult,
  compileSchedule,
  MIN_EVERY_MS,
} from './compile.ts';
export { EvaluatorCache, type EvaluatorCacheStats, sharedEvaluators } from './evaluators.ts';
export { fnv1a32, stableHash } from './hash.ts';
export { jitteredDueMs, jitterMs } from './jitter.ts';
export {
  isWithinStartingDeadline,
  MAX_MISSED_COUNTED,
  type MissedRuns,
  type MissedRunsInput,
  mostRecentScheduleTime,
} from './missed.ts';
export { isKnownTimeZone } from './time-zone.ts';
