/**
 * The dispatcher: a due run in, a started (or deliberately not started) run out. It orchestrates;
 * each rule lives in its own module:
 * - Each scheduled time runs at most once per job: `JobState.claim` refuses a time at or before
 *   the latest one acted on (a late wheel entry, a catch-up racing the wheel, an adopted run).
 * - Admission (run-admission.ts, pure): past `startingDeadlineSeconds` -> missed (counter, event);
 *   concurrencyPolicy Allow starts alongside, Forbid skips (event JobAlreadyActive,
 *   status.counters.skipped++), Replace aborts the active runs, waits for them to end, then starts.
 * - Slots (run-slots.ts): at most `maxConcurrentRunsPerDaemon` runs per Docker daemon; more wait
 *   in a FIFO queue of at most `runQueueLimit` entries overall; when it is full the run is skipped
 *   with reason QueueFull (event, counter, metric), never dropped silently.
 * - Run events (run-events/): every outcome is published as a typed RunEvent (Scheduled, Started,
 *   Adopted, OutputAvailable, Finished, RetryScheduled, Missed, Skipped); observers registered by the
 *   composition root turn them into status (urgent for a start, so a restarted operator does not run
 *   the same time again), Events, metrics, and whatever features listen. The dispatcher knows none
 *   of them.
 * - Retries (retry-policy.ts): a failed run is retried within `spec.retry` (attempt n+1, its own
 *   run name) after an exponential backoff; one pending retry per job.
 * - Tracking (run-tracker.ts): runs are promises followed per job (`JobState.active`) and overall
 *   (for `drain`); `fire` never throws and never waits.
 */

import type { SkipReason } from '../api/job-reporting.ts';
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { RunRecord, RunTrigger, ScheduledDockerJobSpec } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { SchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import type { RunHooks, RunRequest } from '../runner/run-types.ts';
import type { Clock } from '../util/clock.ts';
import { iso } from '../util/iso-time.ts';
import type { FireRequest } from './fire-request.ts';
import type { ActiveRun, JobState } from './job-state.ts';
import { nextRetry, PendingRetries } from './retry-policy.ts';
import { admit, isNominal, mayStillStart } from './run-admission.ts';
import type { RunEventPublisher } from './run-events/run-event-bus.ts';
import { RunSlots } from './run-slots.ts';
import { RunTracker } from './run-tracker.ts';

/** What the dispatcher needs of the runner (src/runner/job-runner.ts implements it). */
export interface RunExecutor {
  /** Never rejects. */
  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
  /** Finish a run whose container already exists. Never rejects. */
  adopt(containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
}

export interface DispatcherOptions {
  executor: RunExecutor;
  /** Where run events go (the bus the observers listen on). */
  events: RunEventPublisher<JobState>;
  clock: Clock;
  logger: Logger;
  metrics?: SchedulerMetrics;
  maxConcurrentRunsPerDaemon?: number;
  runQueueLimit?: number;
  /**
   * Asked right before a run starts (cluster mode: is the job still this replica's, is the
   * replica not fenced); false drops the start without claiming its scheduled time.
   */
  mayStart?: (state: JobState) => boolean;
}

export const DEFAULT_DAEMON = 'local';

/** A run waiting for a slot. */
interface Waiting {
  state: JobState;
  req: FireRequest;
}

export class Dispatcher {
  private readonly slots: RunSlots<Waiting>;
  private readonly tracker: RunTracker;
  private readonly retries: PendingRetries;
  private accepting = true;

  constructor(private readonly opts: DispatcherOptions) {
    this.slots = new RunSlots<Waiting>({
      maxPerDaemon: opts.maxConcurrentRunsPerDaemon ?? 50,
      queueLimit: opts.runQueueLimit ?? 1000,
      onQueuedChange: (queued) => opts.metrics?.runsQueued.set(queued),
    });
    this.retries = new PendingRetries(opts.clock, opts.logger);
    this.tracker = new RunTracker(opts.clock, opts.logger, opts.metrics);
  }

  get activeCount(): number {
    return this.tracker.size;
  }

  get queuedCount(): number {
    return this.slots.queuedCount;
  }

  /** A run is due. Never throws, never waits. */
  fire(state: JobState, req: FireRequest): void {
    const spec = state.job?.spec;
    if (!this.accepting || state.closed || !spec) return;
    if (this.opts.mayStart && !this.opts.mayStart(state)) return;
    if (isNominal(req.trigger) && !state.claim(req.scheduledMs)) {
      this.opts.logger.debug(
        { job: state.key, scheduledTime: iso(req.scheduledMs) },
        'scheduled time already acted on',
      );
      return;
    }
    const nowMs = this.opts.clock.now();
    this.opts.events.publish({
      type: 'Scheduled',
      job: state,
      atMs: nowMs,
      scheduledMs: req.scheduledMs,
      dueMs: req.dueMs,
      trigger: req.trigger,
      attempt: req.attempt,
    });
    const admission = admit({
      trigger: req.trigger,
      scheduledMs: req.scheduledMs,
      nowMs,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
      concurrencyPolicy: spec.concurrencyPolicy,
      activeRuns: state.executingCount,
      queuedRuns: state.queued,
      replacementPending: state.replacement !== undefined,
    });
    switch (admission) {
      case 'missed':
        this.missed(state, req);
        return;
      case 'skip':
        this.skipped(
          state,
          req,
          'JobAlreadyActive',
          'a previous run is still active (concurrencyPolicy Forbid)',
        );
        return;
      case 'supersede':
        // Active runs are still stopping for an earlier replacement: the newest time supersedes it.
        if (state.replacement)
          this.skipped(
            state,
            state.replacement,
            'Superseded',
            'superseded by a newer run while the active one was stopping',
          );
        state.replacement = req;
        return;
      case 'replace':
        this.replace(state, req);
        return;
      case 'start':
        this.enqueue(state, req, spec);
    }
  }

  /**
   * Follow a run whose container an earlier process started (found among the leftovers).
   * `ended`: the container had exited already; its record is collected, but it is no active run
   * for concurrencyPolicy (a Forbid job is not kept from its next time by a run that is over).
   */
  adopt(
    state: JobState,
    containerId: string,
    daemon: string,
    identity: RunIdentity,
    trigger: RunTrigger,
    opts: { ended?: boolean } = {},
  ): void {
    const spec = state.job?.spec;
    if (!spec || state.closed) return;
    if (trigger !== 'Manual' && trigger !== 'Retry') state.claim(identity.scheduledTime);
    const name = runName(identity);
    if (state.active.has(name)) return;
    this.slots.acquire(daemon); // adopted runs already use the daemon: they may exceed the limit
    const run = this.tracker.track(state, identity, trigger, daemon);
    run.containerId = containerId;
    if (opts.ended) run.collecting = true;
    this.opts.events.publish({
      type: 'Adopted',
      job: state,
      atMs: this.opts.clock.now(),
      run: name,
      containerId,
      scheduledMs: identity.scheduledTime,
      trigger,
      attempt: identity.attempt,
    });
    const request: RunRequest = { identity, trigger, spec };
    const fired: FireRequest = {
      scheduledMs: identity.scheduledTime,
      trigger,
      attempt: identity.attempt,
      dueMs: identity.scheduledTime,
    };
    this.tracker.launch(
      state,
      run,
      request,
      this.opts.executor.adopt(containerId, request, run.abort.signal, this.hooks(state, run)),
      (record) => this.finished(state, run, record, fired),
    );
  }

  /**
   * A run an earlier process created but never started, found too late to start (past the job's
   * startingDeadlineSeconds; adoption.ts removed its container): recorded as Missed.
   */
  missedLeftover(state: JobState, identity: RunIdentity, trigger: RunTrigger): void {
    if (!state.job || state.closed) return;
    if (trigger !== 'Manual' && trigger !== 'Retry') state.claim(identity.scheduledTime);
    this.missed(state, { scheduledMs: identity.scheduledTime, trigger });
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
    this.retries.clear(state);
    this.slots.removeWhere((w) => w.state === state);
    state.queued = 0;
  }

  /**
   * Shutdown: nothing new starts (queued runs are skipped with reason Shutdown), active runs get
   * `graceMs` to finish, then are cancelled; resolves when every run has ended.
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    this.retries.clearAll();
    for (const w of this.slots.takeAll()) {
      w.state.queued--;
      this.skipped(w.state, w.req, 'Shutdown', 'the operator is shutting down');
    }
    await this.tracker.endAll(graceMs, 'the operator is shutting down');
  }

  /** Replace: abort the active runs; once they ended, start the newest pending replacement. */
  private replace(state: JobState, req: FireRequest): void {
    const replaced = [...state.active.values()].filter((r) => !r.collecting);
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
  }

  private enqueue(state: JobState, req: FireRequest, spec: ScheduledDockerJobSpec): void {
    const daemon = spec.placement?.daemon ?? DEFAULT_DAEMON;
    if (this.slots.hasFree(daemon)) {
      this.start(state, req, spec, daemon);
      return;
    }
    if (!this.slots.enqueue(daemon, { state, req })) {
      this.skipped(
        state,
        req,
        'QueueFull',
        `the run queue is full (${this.slots.queueLimit} runs waiting for a free slot)`,
      );
      return;
    }
    state.queued++;
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
    if (this.opts.mayStart && !this.opts.mayStart(state)) return;
    this.slots.acquire(daemon);
    const run = this.tracker.track(state, identity, req.trigger, daemon);
    this.opts.events.publish({
      type: 'Started',
      job: state,
      atMs: this.opts.clock.now(),
      run: name,
      scheduledMs: req.scheduledMs,
      dueMs: req.dueMs,
      trigger: req.trigger,
      attempt: req.attempt,
      chain: req.chain,
    });
    const request: RunRequest = { identity, trigger: req.trigger, spec };
    this.tracker.launch(
      state,
      run,
      request,
      this.opts.executor.run(request, run.abort.signal, this.hooks(state, run)),
      (record) => this.finished(state, run, record, req),
    );
  }

  private hooks(state: JobState, run: ActiveRun): RunHooks {
    return {
      // Kept on the run until its Finished event (notifications write the streams apart).
      onOutputTails: (tails) => {
        run.outputTails = tails;
      },
      onStarted: ({ containerId, startTime }) => {
        run.containerId = containerId;
        run.startTime = startTime;
        if (state.active.get(run.name) === run)
          this.opts.events.publish({
            type: 'OutputAvailable',
            job: state,
            atMs: this.opts.clock.now(),
            run: run.name,
            containerId,
            startMs: startTime,
          });
      },
    };
  }

  /** A run ended and is untracked: record it, hand its slot on, retry it if it failed. */
  private finished(state: JobState, run: ActiveRun, record: RunRecord, req: FireRequest): void {
    const nowMs = this.opts.clock.now();
    this.opts.events.publish({
      type: 'Finished',
      job: state,
      atMs: nowMs,
      record,
      trigger: req.trigger,
      attempt: req.attempt,
      // Read before the bus runs: the status observer, first on it, records this very result.
      previousResult: state.status.lastResult,
      ...(run.outputTails ? { output: run.outputTails } : {}),
    });
    this.releaseSlot(run.daemon);
    const spec = state.job?.spec;
    const retry = nextRetry(record.result, req.attempt, spec?.retry);
    if (retry && this.accepting && !state.closed) {
      this.retries.schedule(state, req, retry, (next) => this.fire(state, next));
      this.opts.events.publish({
        type: 'RetryScheduled',
        job: state,
        atMs: nowMs,
        run: record.name,
        scheduledMs: req.scheduledMs,
        attempt: retry.attempt,
        retryAtMs: nowMs + retry.delayMs,
      });
    }
  }

  /** A slot of `daemon` is free: start the waiting runs it admits, in FIFO order. */
  private releaseSlot(daemon: string): void {
    this.slots.release(daemon);
    for (let next = this.slots.next(daemon); next; next = this.slots.next(daemon)) {
      const { state, req } = next;
      state.queued--;
      const spec = state.job?.spec;
      if (!this.accepting || state.closed || !spec) continue;
      if (!mayStillStart(req.trigger, req.scheduledMs, this.opts.clock.now(), spec.startingDeadlineSeconds)) {
        this.missed(state, req);
        continue;
      }
      this.start(state, req, spec, daemon);
    }
  }

  private missed(state: JobState, req: Pick<FireRequest, 'scheduledMs' | 'trigger' | 'chain'>): void {
    this.opts.events.publish({
      type: 'Missed',
      job: state,
      atMs: this.opts.clock.now(),
      scheduledMs: req.scheduledMs,
      trigger: req.trigger,
      chain: req.chain,
    });
  }

  private skipped(state: JobState, req: FireRequest, reason: SkipReason, message: string): void {
    this.opts.events.publish({
      type: 'Skipped',
      job: state,
      atMs: this.opts.clock.now(),
      scheduledMs: req.scheduledMs,
      trigger: req.trigger,
      reason,
      message,
      chain: req.chain,
    });
  }
}
