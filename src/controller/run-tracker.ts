/**
 * Run tracking: every run this replica follows, per job (`JobState.active`) and overall.
 *
 * In: `track` a run before it is handed to the runner (or adopted), then `launch` it with the
 * runner's promise. Out: `ActiveRun.done` settles with the run's record — never rejects: a runner
 * that breaks its promise and rejects still yields a record (result Error, reason RunnerError);
 * the run is untracked before `onEnd` gets the record; the `ofelia_active_runs` gauge follows the
 * count; `endAll(graceMs)` waits for every run, cancelling the rest once the grace period is over.
 * Never: starts or stops a container itself (the runner does, on the run's abort signal).
 */
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { RunRecord, RunTrigger } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { SchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import { toRecord } from '../runner/job-runner.ts';
import type { RunRequest } from '../runner/run-types.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import type { ActiveRun, JobState } from './job-state.ts';

export class RunTracker {
  private readonly runs = new Set<ActiveRun>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: SchedulerMetrics | undefined,
  ) {}

  /** Runs in progress on this replica. */
  get size(): number {
    return this.runs.size;
  }

  /** A new run of `state`, tracked from now on (its `done` settles once it is launched). */
  track(state: JobState, identity: RunIdentity, trigger: RunTrigger, daemon: string): ActiveRun {
    const run: ActiveRun = {
      name: runName(identity),
      identity,
      trigger,
      daemon,
      abort: new AbortController(),
      done: Promise.resolve(undefined as unknown as RunRecord),
    };
    state.addActive(run);
    this.runs.add(run);
    this.metrics?.activeRuns.set(this.runs.size);
    return run;
  }

  /** Follow the runner's `call` for `run`; once it ends, untrack it and call `onEnd` with its record. */
  launch(
    state: JobState,
    run: ActiveRun,
    request: RunRequest,
    call: Promise<RunRecord>,
    onEnd: (record: RunRecord) => void,
  ): void {
    run.done = call
      .catch((error: unknown): RunRecord => {
        // The runner promises never to reject; if it does, the run still ends with a record.
        this.logger.error({ job: state.key, run: run.name, error: String(error) }, 'runner rejected');
        const message = error instanceof Error ? error.message : String(error);
        return toRecord(request, { result: 'Error', reason: 'RunnerError', message }, this.clock.now());
      })
      .then((record) => {
        state.removeActive(run);
        this.runs.delete(run);
        this.metrics?.activeRuns.set(this.runs.size);
        onEnd(record);
        return record;
      });
  }

  /** Resolves when every run has ended; the runs still going after `graceMs` are cancelled. */
  async endAll(graceMs: number, why: string): Promise<void> {
    const all = () => Promise.all([...this.runs].map((r) => r.done));
    if (this.runs.size === 0) return;
    let timer: TimerHandle | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([all().then(() => 'done' as const), graceOver]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    if (outcome === 'timeout') {
      this.logger.warn({ active: this.runs.size }, 'shutdown grace period over: cancelling active runs');
      for (const run of this.runs) run.abort.abort(new Error(why));
      await all();
    }
  }
}
