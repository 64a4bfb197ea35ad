/**
 * Retries of failed runs (`spec.retry`).
 *
 * In: a finished run's result and attempt, the job's retry spec. Out: `nextRetry` (pure) says
 * whether attempt n+1 follows and after how long: only after a failure (`Failed`,
 * `DeadlineExceeded`, `ImagePullFailed`, `ContainerNotFound`, `DaemonUnavailable`, `Error`; never
 * after `Cancelled`, `PolicyDenied` or a success), at most `limit` retries, waiting
 * `initialBackoffSeconds * 2^(n-1)` capped at `maxBackoffSeconds`. `PendingRetries` holds the one
 * pending retry timer per job and fires it through the caller's callback.
 * Never: starts a run itself, keeps two pending retries for one job (a newer one replaces the older),
 * or fires a retry that was cleared.
 */
import type { RunResult, ScheduledDockerJobSpec } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import { retryDelayMs } from '../schedule/backoff.ts';
import type { Clock } from '../util/clock.ts';
import type { FireRequest } from './fire-request.ts';
import type { JobState } from './job-state.ts';

export type RetrySpec = NonNullable<ScheduledDockerJobSpec['retry']>;

/** Results after which a retry is attempted (cancellations and policy denials are final). */
export const RETRYABLE: ReadonlySet<RunResult> = new Set([
  'Failed',
  'DeadlineExceeded',
  'ImagePullFailed',
  'ContainerNotFound',
  'DaemonUnavailable',
  'Error',
]);

export interface RetryPlan {
  /** The attempt number of the retry (the failed attempt + 1). */
  attempt: number;
  delayMs: number;
}

/** Whether the run that ended with `result` at `attempt` is retried, and when. Pure. */
export function nextRetry(
  result: RunResult,
  attempt: number,
  retry: RetrySpec | undefined,
): RetryPlan | undefined {
  if (!retry || !RETRYABLE.has(result) || attempt > retry.limit) return undefined;
  return { attempt: attempt + 1, delayMs: retryDelayMs(attempt, retry) };
}

/** The pending retry timer of each job (kept on `JobState.pendingRetry`). */
export class PendingRetries {
  private readonly waiting = new Set<JobState>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Jobs with a pending retry. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * After `plan.delayMs`, call `fire` with the retry of `failed` (same scheduled time, next
   * attempt, trigger Retry, due now). Replaces a pending retry of the same job.
   */
  schedule(state: JobState, failed: FireRequest, plan: RetryPlan, fire: (req: FireRequest) => void): void {
    if (state.pendingRetry) {
      this.logger.info(
        { job: state.key, dropped: state.pendingRetry.attempt },
        'newer retry replaces a pending one',
      );
      this.clear(state);
    }
    const handle = this.clock.setTimeout(() => {
      state.pendingRetry = undefined;
      this.waiting.delete(state);
      fire({
        scheduledMs: failed.scheduledMs,
        trigger: 'Retry',
        attempt: plan.attempt,
        dueMs: this.clock.now(),
      });
    }, plan.delayMs);
    state.pendingRetry = { handle, attempt: plan.attempt, scheduledMs: failed.scheduledMs };
    this.waiting.add(state);
  }

  /** Drop the job's pending retry, if any. */
  clear(state: JobState): void {
    if (state.pendingRetry) this.clock.clearTimeout(state.pendingRetry.handle);
    state.pendingRetry = undefined;
    this.waiting.delete(state);
  }

  /** Drop every pending retry (shutdown). */
  clearAll(): void {
    for (const state of [...this.waiting]) this.clear(state);
  }
}
