/**
 * The dispatcher: a due run in, a started (or deliberately not started) run out.
 *
 * - Each scheduled time runs at most once per job: `JobState.claim` refuses a time at or before
 *   the latest one acted on (a late wheel entry, a catch-up racing the wheel, an adopted run).
 * - A run that can no longer start within `startingDeadlineSeconds` is missed (counter, event).
 * - concurrencyPolicy: Allow starts alongside; Forbid skips (event JobAlreadyActive,
 *   status.counters.skipped++); Replace aborts the active runs, waits for them to end, then starts.
 * - At most `maxConcurrentRunsPerDaemon` runs per Docker daemon; more wait in a FIFO queue of at
 *   most `runQueueLimit` entries overall; when it is full the run is skipped with reason QueueFull
 *   (event, counter, metric), never dropped silently.
 * - Starting a run writes `active[]`, `activeCount` and `lastScheduleTime` at once (urgent status
 *   write) so a restarted operator does not run the same time again; the end of a run writes the
 *   run record, history and counters; a failed run is retried within `spec.retry` (attempt n+1,
 *   its own run name) after an exponential backoff.
 * - `fire` never throws and never waits: runs are promises tracked per job.
 */
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { RunRecord, RunResult, RunTrigger, ScheduledDockerJobSpec } from '../api/schema.ts';
import type { EventType } from '../kube/event-recorder.ts';
import type { StatusPatch } from '../kube/status-writer.ts';
import type { Logger } from '../log/logger.ts';
import type { SchedulerMetrics, SkipReason } from '../metrics/scheduler-metrics.ts';
import type { RunHooks, RunRequest } from '../runner/run-types.ts';
import { retryDelayMs } from '../schedule/backoff.ts';
import { isWithinStartingDeadline } from '../schedule/missed.ts';
import type { Clock } from '../util/clock.ts';
import type { ActiveRun, JobState } from './job-state.ts';
import { applyFinishedRun, emptyCounters } from './run-history.ts';

/** What the dispatcher needs of the runner (src/runner/job-runner.ts implements it). */
export interface RunExecutor {
  /** Never rejects. */
  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
  /** Finish a run whose container already exists. Never rejects. */
  adopt(containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
}

export interface DispatcherHost {
  /** Apply a change to the job's status view and queue it for writing. */
  changeStatus(state: JobState, patch: StatusPatch, urgent?: boolean): void;
  event(state: JobState, type: EventType, reason: string, message: string): void;
}

export interface FireRequest {
  scheduledMs: number;
  trigger: RunTrigger;
  attempt: number;
  /** When it was due (scheduled time + jitter, or a retry's time): lag is measured from here. */
  dueMs: number;
}

export interface DispatcherOptions {
  executor: RunExecutor;
  host: DispatcherHost;
  clock: Clock;
  logger: Logger;
  metrics?: SchedulerMetrics;
  maxConcurrentRunsPerDaemon?: number;
  runQueueLimit?: number;
}

export const DEFAULT_DAEMON = 'local';

/** Results after which a retry is attempted (cancellations and policy denials are final). */
const RETRYABLE: ReadonlySet<RunResult> = new Set([
  'Failed',
  'DeadlineExceeded',
  'ImagePullFailed',
  'ContainerNotFound',
  'DaemonUnavailable',
  'Error',
]);

interface Waiting {
  state: JobState;
  req: FireRequest;
}

interface Slot {
  running: number;
  waiting: Waiting[];
}

export class Dispatcher {
  private readonly slots = new Map<string, Slot>();
  private readonly runs = new Set<ActiveRun>();
  private readonly retrying = new Set<JobState>();
  private queued = 0;
  private accepting = true;
  private readonly maxPerDaemon: number;
  private readonly queueLimit: number;

  constructor(private readonly opts: DispatcherOptions) {
    this.maxPerDaemon = Math.max(1, opts.maxConcurrentRunsPerDaemon ?? 50);
    this.queueLimit = Math.max(0, opts.runQueueLimit ?? 1000);
  }

  get activeCount(): number {
    return this.runs.size;
  }

  get queuedCount(): number {
    return this.queued;
  }

  /** A run is due. Never throws, never waits. */
  fire(state: JobState, req: FireRequest): void {
    const spec = state.job?.spec;
    if (!this.accepting || state.closed || !spec) return;
    const nominal = req.trigger === 'Schedule' || req.trigger === 'CatchUp';
    if (nominal && !state.claim(req.scheduledMs)) {
      this.opts.logger.debug(
        { job: state.key, scheduledTime: iso(req.scheduledMs) },
        'scheduled time already acted on',
      );
      return;
    }
    const now = this.opts.clock.now();
    if (nominal && !isWithinStartingDeadline(req.scheduledMs, now, spec.startingDeadlineSeconds)) {
      this.missed(state, req);
      return;
    }
    const busy = state.active.size + state.queued > 0;
    if (busy && spec.concurrencyPolicy === 'Forbid') {
      this.skip(state, req, 'JobAlreadyActive', 'a previous run is still active (concurrencyPolicy Forbid)');
      return;
    }
    if (busy && spec.concurrencyPolicy === 'Replace' && state.active.size > 0) {
      if (state.replacement) {
        // Active runs are still stopping for an earlier replacement: the newest time supersedes it.
        this.skip(
          state,
          state.replacement,
          'Superseded',
          'superseded by a newer run while the active one was stopping',
        );
        state.replacement = req;
        return;
      }
      const replaced = [...state.active.values()];
      for (const run of replaced) {
        this.opts.logger.info({ job: state.key, run: run.name }, 'replacing active run');
        run.abort.abort(new Error('replaced by a newer run (concurrencyPolicy Replace)'));
      }
      state.replacement = req;
      state.queued++;
      void Promise.all(replaced.map((r) => r.done)).then(() => {
        state.queued--;
        const latest = state.replacement;
        state.replacement = undefined;
        const current = state.job?.spec;
        if (!latest || !current || !this.accepting || state.closed) return;
        this.enqueue(state, latest, current);
      });
      return;
    }
    this.enqueue(state, req, spec);
  }

  /** Follow a run whose container an earlier process started (found among the leftovers). */
  adopt(
    state: JobState,
    containerId: string,
    daemon: string,
    identity: RunIdentity,
    trigger: RunTrigger,
  ): void {
    const spec = state.job?.spec;
    if (!spec || state.closed) return;
    if (trigger !== 'Manual' && trigger !== 'Retry') state.claim(identity.scheduledTime);
    const name = runName(identity);
    if (state.active.has(name)) return;
    this.slot(daemon).running++; // adopted runs already use the daemon: they may exceed the limit
    const run = this.track(state, identity, trigger, daemon);
    run.containerId = containerId;
    this.opts.host.changeStatus(
      state,
      { active: state.activeStatus(), activeCount: state.active.size },
      true,
    );
    this.opts.host.event(
      state,
      'Normal',
      'Adopted',
      `Adopted run ${name} (container ${containerId.slice(0, 12)}) after a restart`,
    );
    const req: RunRequest = { identity, trigger, spec };
    this.launch(
      state,
      run,
      req,
      this.opts.executor.adopt(containerId, req, run.abort.signal, this.hooks(state, run)),
      {
        scheduledMs: identity.scheduledTime,
        trigger,
        attempt: identity.attempt,
        dueMs: identity.scheduledTime,
      },
    );
  }

  /** The job is deleted: nothing new starts, active runs are cancelled (and their containers removed). */
  async cancel(state: JobState, why: string): Promise<void> {
    this.release(state);
    const runs = [...state.active.values()];
    for (const run of runs) run.abort.abort(new Error(why));
    await Promise.all(runs.map((r) => r.done));
  }

  /** The job is no longer this replica's: nothing new starts; active runs finish on their own. */
  release(state: JobState): void {
    state.closed = true;
    this.clearRetry(state);
    for (const slot of this.slots.values()) {
      const kept = slot.waiting.filter((w) => w.state !== state);
      this.queued -= slot.waiting.length - kept.length;
      slot.waiting = kept;
    }
    state.queued = 0;
    this.opts.metrics?.runsQueued.set(this.queued);
  }

  /**
   * Shutdown: nothing new starts (queued runs are skipped with reason Shutdown), active runs get
   * `graceMs` to finish, then are cancelled; resolves when every run has ended.
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    for (const state of [...this.retrying]) this.clearRetry(state);
    for (const slot of this.slots.values()) {
      for (const w of slot.waiting.splice(0)) {
        w.state.queued--;
        this.skip(w.state, w.req, 'Shutdown', 'the operator is shutting down');
      }
    }
    this.queued = 0;
    this.opts.metrics?.runsQueued.set(0);
    const all = () => Promise.all([...this.runs].map((r) => r.done));
    if (this.runs.size === 0) return;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = this.opts.clock.setTimeout(() => resolve('timeout'), graceMs);
    });
    const outcome = await Promise.race([all().then(() => 'done' as const), graceOver]);
    if (timer !== undefined) this.opts.clock.clearTimeout(timer);
    if (outcome === 'timeout') {
      this.opts.logger.warn({ active: this.runs.size }, 'shutdown grace period over: cancelling active runs');
      for (const run of this.runs) run.abort.abort(new Error('the operator is shutting down'));
      await all();
    }
  }

  private enqueue(state: JobState, req: FireRequest, spec: ScheduledDockerJobSpec): void {
    const daemon = spec.placement?.daemon ?? DEFAULT_DAEMON;
    const slot = this.slot(daemon);
    if (slot.running < this.maxPerDaemon) {
      this.start(state, req, spec, daemon);
      return;
    }
    if (this.queued >= this.queueLimit) {
      this.skip(
        state,
        req,
        'QueueFull',
        `the run queue is full (${this.queueLimit} runs waiting for a free slot)`,
      );
      return;
    }
    slot.waiting.push({ state, req });
    state.queued++;
    this.queued++;
    this.opts.metrics?.runsQueued.set(this.queued);
  }

  private start(state: JobState, req: FireRequest, spec: ScheduledDockerJobSpec, daemon: string): void {
    const identity: RunIdentity = {
      namespace: state.namespace,
      jobName: state.name,
      jobUid: state.uid,
      scheduledTime: req.scheduledMs,
      attempt: req.attempt,
    };
    const name = runName(identity);
    if (state.active.has(name)) return;
    this.slot(daemon).running++;
    const run = this.track(state, identity, req.trigger, daemon);
    const now = this.opts.clock.now();
    this.opts.metrics?.scheduleLag.observe(Math.max(0, now - req.dueMs) / 1000);
    const patch: StatusPatch = { active: state.activeStatus(), activeCount: state.active.size };
    if (req.trigger === 'Schedule' || req.trigger === 'CatchUp')
      patch.lastScheduleTime = iso(req.scheduledMs);
    this.opts.host.changeStatus(state, patch, true);
    const how =
      req.trigger === 'Schedule'
        ? ''
        : ` (${req.trigger}${req.attempt > 1 ? `, attempt ${req.attempt}` : ''})`;
    this.opts.host.event(state, 'Normal', 'SuccessfulCreate', `Started run ${name}${how}`);
    const request: RunRequest = { identity, trigger: req.trigger, spec };
    this.launch(
      state,
      run,
      request,
      this.opts.executor.run(request, run.abort.signal, this.hooks(state, run)),
      req,
    );
  }

  private track(state: JobState, identity: RunIdentity, trigger: RunTrigger, daemon: string): ActiveRun {
    const run: ActiveRun = {
      name: runName(identity),
      identity,
      trigger,
      daemon,
      abort: new AbortController(),
      done: Promise.resolve(undefined as unknown as RunRecord),
    };
    state.active.set(run.name, run);
    this.runs.add(run);
    this.opts.metrics?.activeRuns.set(this.runs.size);
    return run;
  }

  private launch(
    state: JobState,
    run: ActiveRun,
    request: RunRequest,
    call: Promise<RunRecord>,
    req: FireRequest,
  ): void {
    run.done = call
      .catch((error: unknown): RunRecord => {
        // The runner promises never to reject; if it does, the run still ends with a record.
        this.opts.logger.error({ job: state.key, run: run.name, error: String(error) }, 'runner rejected');
        return {
          name: run.name,
          trigger: request.trigger,
          attempt: request.identity.attempt,
          scheduledTime: iso(request.identity.scheduledTime),
          finishTime: iso(this.opts.clock.now()),
          result: 'Error',
          reason: 'RunnerError',
          message: error instanceof Error ? error.message : String(error),
        };
      })
      .then((record) => {
        this.finish(state, run, record, req);
        return record;
      });
  }

  private hooks(state: JobState, run: ActiveRun): RunHooks {
    return {
      onStarted: ({ containerId, startTime }) => {
        run.containerId = containerId;
        run.startTime = startTime;
        if (state.active.get(run.name) === run)
          this.opts.host.changeStatus(state, { active: state.activeStatus() });
      },
    };
  }

  private finish(state: JobState, run: ActiveRun, record: RunRecord, req: FireRequest): void {
    if (state.active.get(run.name) === run) state.active.delete(run.name);
    this.runs.delete(run);
    this.opts.metrics?.activeRuns.set(this.runs.size);
    const spec = state.job?.spec;
    const limits = {
      successfulRunsHistoryLimit: spec?.successfulRunsHistoryLimit ?? 3,
      failedRunsHistoryLimit: spec?.failedRunsHistoryLimit ?? 3,
    };
    const fields = applyFinishedRun(state.status, record, limits);
    const active = state.activeStatus();
    this.opts.host.changeStatus(state, {
      ...fields,
      active: active.length > 0 ? active : null,
      activeCount: active.length,
    });
    this.announce(state, record);
    this.releaseSlot(run.daemon);
    if (spec?.retry && RETRYABLE.has(record.result) && req.attempt <= spec.retry.limit) {
      this.scheduleRetry(state, req, spec);
    }
  }

  private announce(state: JobState, record: RunRecord): void {
    const { host } = this.opts;
    const detail = [record.reason, record.message].filter(Boolean).join(': ');
    switch (record.result) {
      case 'Succeeded':
        host.event(
          state,
          'Normal',
          'SawCompletedJob',
          `Saw completed run: ${record.name}, result: Succeeded`,
        );
        break;
      case 'Cancelled':
        host.event(
          state,
          'Normal',
          'RunCancelled',
          `Run ${record.name} cancelled${detail ? `: ${detail}` : ''}`,
        );
        break;
      case 'DeadlineExceeded':
        host.event(
          state,
          'Warning',
          'DeadlineExceeded',
          `Run ${record.name} stopped: active deadline exceeded`,
        );
        break;
      case 'PolicyDenied':
        host.event(
          state,
          'Warning',
          'PolicyDenied',
          `Run ${record.name} refused by the operator policy: ${detail}`,
        );
        break;
      default:
        host.event(
          state,
          'Warning',
          'RunFailed',
          `Run ${record.name} ended with ${record.result}${detail ? `: ${detail}` : ''}`,
        );
    }
  }

  private scheduleRetry(state: JobState, req: FireRequest, spec: ScheduledDockerJobSpec): void {
    if (!this.accepting || state.closed || !spec.retry) return;
    const delay = retryDelayMs(req.attempt, spec.retry);
    if (state.pendingRetry) {
      this.opts.logger.info(
        { job: state.key, dropped: state.pendingRetry.attempt },
        'newer retry replaces a pending one',
      );
      this.clearRetry(state);
    }
    const attempt = req.attempt + 1;
    const handle = this.opts.clock.setTimeout(() => {
      state.pendingRetry = undefined;
      this.retrying.delete(state);
      this.fire(state, {
        scheduledMs: req.scheduledMs,
        trigger: 'Retry',
        attempt,
        dueMs: this.opts.clock.now(),
      });
    }, delay);
    state.pendingRetry = { handle, attempt, scheduledMs: req.scheduledMs };
    this.retrying.add(state);
  }

  private clearRetry(state: JobState): void {
    if (state.pendingRetry) this.opts.clock.clearTimeout(state.pendingRetry.handle);
    state.pendingRetry = undefined;
    this.retrying.delete(state);
  }

  private releaseSlot(daemon: string): void {
    const slot = this.slot(daemon);
    slot.running--;
    while (slot.running < this.maxPerDaemon && slot.waiting.length > 0) {
      const next = slot.waiting.shift()!;
      this.queued--;
      next.state.queued--;
      this.opts.metrics?.runsQueued.set(this.queued);
      const spec = next.state.job?.spec;
      if (!this.accepting || next.state.closed || !spec) continue;
      const nominal = next.req.trigger === 'Schedule' || next.req.trigger === 'CatchUp';
      if (
        nominal &&
        !isWithinStartingDeadline(next.req.scheduledMs, this.opts.clock.now(), spec.startingDeadlineSeconds)
      ) {
        this.missed(next.state, next.req);
        continue;
      }
      this.start(next.state, next.req, spec, daemon);
    }
  }

  private slot(daemon: string): Slot {
    let slot = this.slots.get(daemon);
    if (!slot) {
      slot = { running: 0, waiting: [] };
      this.slots.set(daemon, slot);
    }
    return slot;
  }

  private missed(state: JobState, req: FireRequest): void {
    const counters = { ...emptyCounters(), ...state.status.counters };
    counters.missed++;
    this.opts.host.changeStatus(state, { counters });
    this.opts.metrics?.missedRuns.inc();
    this.opts.host.event(
      state,
      'Warning',
      'MissSchedule',
      `Missed scheduled time to start a run: ${iso(req.scheduledMs)} (past startingDeadlineSeconds)`,
    );
  }

  private skip(state: JobState, req: FireRequest, reason: SkipReason, why: string): void {
    const counters = { ...emptyCounters(), ...state.status.counters };
    counters.skipped++;
    this.opts.host.changeStatus(state, { counters });
    this.opts.metrics?.skippedRuns.inc({ reason });
    this.opts.host.event(
      state,
      'Warning',
      reason,
      `Not starting the run scheduled for ${iso(req.scheduledMs)}: ${why}`,
    );
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
