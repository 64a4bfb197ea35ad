/**
 * The ScheduledDockerJob reconciler: `reconcile(key)` reads the job from the informer cache
 * (never from the event that woke it), and makes this replica's schedule, runs and the job's
 * status agree with it:
 * - not in the cache: forget it (disarm, cancel its runs);
 * - not this replica's (placement, leadership): release it (disarm; its active runs finish);
 * - being deleted: disarm, cancel active runs (the runner stops and removes their containers),
 *   then remove the `ofelia.dev/cleanup` finalizer;
 * - otherwise: make sure the finalizer is there, take the reconcile decision (a pure function),
 *   write the status fields it owns if they changed, record its events, arm the next due time,
 *   start a catch-up or manual run.
 * Returns `{}` or throws (the work queue retries with backoff). Due entries from the schedule
 * table start their run at once and queue the job for its next time.
 */

import type { ObjectKey, StatusPatch } from '../api/job-reporting.ts';
import { runName } from '../api/run-identity.ts';
import {
  FINALIZER,
  type RunRecord,
  type ScheduledDockerJobSpec,
  type ScheduledDockerJobStatus,
} from '../api/schema.ts';
import { validateScheduledDockerJob } from '../api/validate.ts';
import type { FinalizerClient, JobObject } from '../kube/job-api.ts';
import type { Logger } from '../log/logger.ts';
import type { SchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import { compileSchedule } from '../schedule/index.ts';
import type { Clock } from '../util/clock.ts';
import { jsonEqual } from '../util/json-values.ts';
import { type ChainPlan, decideChains } from './chains/chain-decision.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { UpstreamMarker } from './fire-request.ts';
import type { JobEvents } from './job-events.ts';
import { JobState } from './job-state.ts';
import type { JobStatusView } from './job-status-view.ts';
import { keepJob } from './kept-job.ts';
import { ownsJob, type ReplicaRole } from './placement.ts';
import { decide } from './reconcile-decision.ts';
import { emptyCounters } from './run-history.ts';
import type { Armed, Scheduler } from './scheduler.ts';

export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

export interface JobCache {
  get(name: string, namespace?: string): JobObject | undefined;
  list(): ReadonlyArray<JobObject>;
  /** `namespace/name` of every cached job (without parsing them, where the cache can). */
  keys(): string[];
}

export interface JobControllerOptions {
  cache: JobCache;
  status: JobStatusView;
  events: JobEvents;
  finalizers: FinalizerClient;
  scheduler: Scheduler;
  dispatcher: Dispatcher;
  clock: Clock;
  logger: Logger;
  metrics?: SchedulerMetrics;
  /** This replica's role now (leadership changes over time). */
  role: () => ReplicaRole;
  /** Queue a key for reconcile. */
  enqueue: (key: string) => void;
  /** A job just became this replica's (its state was created): cluster handover, owner field. */
  onTakeOn?: (state: JobState) => void;
}

export function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

interface JobMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  annotations?: Record<string, string>;
  finalizers?: string[];
  resourceVersion?: string;
}

export class JobController {
  private readonly states = new Map<string, JobState>();

  constructor(private readonly opts: JobControllerOptions) {
    opts.scheduler.handleDue((key, armed) => this.onDue(key, armed));
  }

  /** Jobs this replica currently owns. */
  get ownedCount(): number {
    return this.states.size;
  }

  state(key: string): JobState | undefined {
    return this.states.get(key);
  }

  async reconcile(key: string, _signal?: AbortSignal): Promise<ReconcileOutcome> {
    const { namespace, name } = splitKey(key);
    const obj = this.opts.cache.get(name, namespace);
    const existing = this.states.get(key);
    if (!obj) {
      if (existing) await this.forget(existing, 'the job no longer exists');
      return {};
    }
    const meta = (obj.metadata ?? {}) as JobMeta;
    const uid = meta.uid ?? '';
    if (existing && existing.uid !== uid) await this.forget(existing, 'the job was re-created');
    const spec = obj.spec as { placement?: { nodeName?: string } } | undefined;
    if (!ownsJob(spec?.placement, this.opts.role(), uid)) {
      if (this.states.has(key)) this.release(key, 'the job is not this replica’s any more');
      return {};
    }
    if (meta.deletionTimestamp) {
      await this.finalize(key, obj, meta);
      return {};
    }
    if (!meta.finalizers?.includes(FINALIZER)) {
      await this.opts.finalizers.add({ namespace, name }, meta.finalizers);
    }
    const state = this.ensureState(key, obj);
    this.decideAndApply(state, obj, meta);
    return {};
  }

  /** The schedule table says `key` is due. */
  onDue(key: string, armed: Armed): void {
    const state = this.states.get(key);
    if (state) {
      this.opts.metrics?.nextScheduleTime.remove({ namespace: state.namespace, job: state.name });
      this.opts.dispatcher.fire(state, {
        scheduledMs: armed.scheduledMs,
        trigger: 'Schedule',
        attempt: 1,
        dueMs: armed.dueMs,
      });
    }
    // The next time is armed by a reconcile, which reads the current object.
    this.opts.enqueue(key);
  }

  /** State for a job this replica owns, created from the cached object (for adoption at start-up). */
  ensureState(key: string, obj: JobObject): JobState {
    let state = this.states.get(key);
    if (!state) {
      const meta = (obj.metadata ?? {}) as JobMeta;
      state = new JobState(
        meta.namespace ?? '',
        meta.name ?? '',
        meta.uid ?? '',
        obj.status as ScheduledDockerJobStatus,
      );
      const validation = validateScheduledDockerJob(obj);
      if (validation.ok) state.job = keepJob(validation.job);
      this.states.set(key, state);
      this.opts.onTakeOn?.(state);
    }
    return state;
  }

  /** Keys of every cached job (to re-queue all after a leadership change). */
  allKeys(): string[] {
    return this.opts.cache.keys();
  }

  /** Stop scheduling one job here (leadership lost): disarm it; its active runs finish. */
  releaseOne(key: string, why: string): void {
    this.release(key, why);
  }

  private decideAndApply(state: JobState, obj: JobObject, meta: JobMeta): void {
    const now = this.opts.clock.now();
    const validation = validateScheduledDockerJob(obj);
    state.job = validation.ok ? keepJob(validation.job) : undefined;
    if (validation.ok && !validation.job.spec.suspend) this.fireDueEntry(state, now);
    let compiled: ReturnType<typeof compileSchedule> | undefined;
    if (validation.ok) {
      const { schedule, timeZone } = validation.job.spec;
      const kept = state.compiled;
      if (kept?.expression === schedule && kept.timeZone === timeZone) {
        compiled = { ok: true, schedule: kept };
      } else {
        const result = compileSchedule(schedule, { timeZone, hashKey: state.key });
        state.compiled = result.ok ? result.schedule : undefined;
        compiled = result;
      }
    }
    const chains = validation.ok ? this.chainPlan(state, validation.job.spec, now) : undefined;
    const created = meta.creationTimestamp;
    const plan = decide({
      nowMs: now,
      meta: {
        namespace: state.namespace,
        name: state.name,
        generation: meta.generation,
        creationTimestamp: created instanceof Date ? created.toISOString() : created,
        annotations: meta.annotations,
      },
      status: state.status,
      validation,
      compiled,
      lastActedMs: state.lastActedMs,
      chainCycle: chains?.cycle,
    });

    // Status fields the decision owns, written only when they change (every write comes back as
    // a watch event and a reconcile: an unconditional write would loop).
    const patch: StatusPatch = {};
    if (
      plan.statusPatch.observedGeneration !== state.status.observedGeneration &&
      plan.statusPatch.observedGeneration !== undefined
    ) {
      patch.observedGeneration = plan.statusPatch.observedGeneration;
    }
    // Compared as JSON values, key order aside: conditions read back from the server come in the
    // schema's key order, not in the order setCondition builds them (a string comparison wrote
    // every job's unchanged status again after each restart).
    if (!jsonEqual(plan.conditions, state.status.conditions ?? [])) patch.conditions = plan.conditions;
    if ((state.status.nextScheduleTime ?? null) !== plan.statusPatch.nextScheduleTime) {
      patch.nextScheduleTime = plan.statusPatch.nextScheduleTime;
    }
    if (plan.missed > 0) {
      const counters = { ...emptyCounters(), ...state.status.counters };
      counters.missed += plan.missed;
      patch.counters = counters;
      this.opts.metrics?.missedRuns.inc(plan.missed);
    }
    if (plan.manualTrigger) patch.lastManualTrigger = plan.manualTrigger;
    // Markers of upstreams with nothing to run move now; a fired run moves its own marker when it
    // starts (run-status-observer.ts), in the same urgent write as its start.
    if (chains?.markers && !chains.cycle) {
      const recorded = unclaimed(chains.markers, state);
      if (!jsonEqual(recorded, state.status.upstreamRuns ?? [])) patch.upstreamRuns = recorded;
    }
    if (Object.keys(patch).length > 0)
      this.opts.status.change(state, patch, plan.manualTrigger !== undefined);
    for (const e of plan.events) this.opts.events.record(state, e.type, e.reason, e.message);

    if (plan.next) {
      this.opts.scheduler.arm(state.key, plan.next);
      this.opts.metrics?.nextScheduleTime.set(
        { namespace: state.namespace, job: state.name },
        plan.next.scheduledMs / 1000,
      );
    } else {
      this.opts.scheduler.disarm(state.key);
      this.opts.metrics?.nextScheduleTime.remove({ namespace: state.namespace, job: state.name });
    }
    if (plan.catchUp) {
      this.opts.dispatcher.fire(state, {
        scheduledMs: plan.catchUp.scheduledMs,
        trigger: 'CatchUp',
        attempt: 1,
        dueMs: plan.catchUp.scheduledMs,
      });
    }
    if (plan.actedThroughMs !== undefined) state.claim(plan.actedThroughMs);
    if (plan.manualTrigger) {
      const at = freeRunSecond(state, now);
      this.opts.dispatcher.fire(state, { scheduledMs: at, trigger: 'Manual', attempt: 1, dueMs: now });
    }
    if (chains && !chains.cycle) this.applyChains(state, chains);
  }

  /** What spec.after asks for now (see chains/chain-decision.ts); reads upstream status from memory or the cache. */
  private chainPlan(state: JobState, spec: ScheduledDockerJobSpec, now: number): ChainPlan | undefined {
    if (!spec.after || spec.after.length === 0) return undefined;
    const { namespace } = state;
    return decideChains({
      name: state.name,
      after: spec.after,
      markers: withClaims(state.status.upstreamRuns, state.chainClaims),
      suspended: spec.suspend,
      nowMs: now,
      upstreamRuns: (job) => {
        const obj = this.opts.cache.get(job, namespace);
        if (!obj) return undefined;
        // An upstream this replica owns: its in-memory status is ahead of the cache.
        const status =
          this.states.get(keyOf(namespace, job))?.status ?? (obj.status as ScheduledDockerJobStatus);
        const runs = [status?.lastRun, ...(status?.recentRuns ?? [])].filter((r): r is RunRecord => !!r);
        return [...new Map(runs.map((r) => [r.name, r])).values()];
      },
      afterOf: (job) => {
        const obj = this.opts.cache.get(job, namespace);
        if (!obj) return undefined;
        const after = (obj.spec as { after?: { job?: unknown }[] } | undefined)?.after;
        return Array.isArray(after)
          ? after.map((a) => a?.job).filter((j): j is string => typeof j === 'string')
          : [];
      },
    });
  }

  private applyChains(state: JobState, chains: ChainPlan): void {
    const missing = chains.missing.join(',');
    if (missing !== state.missingUpstreams) {
      state.missingUpstreams = missing;
      if (missing)
        this.opts.events.record(
          state,
          'Warning',
          'UpstreamNotFound',
          `spec.after names jobs that do not exist in ${state.namespace}: ${chains.missing.join(', ')} (the other chains still run)`,
        );
    }
    if (chains.consumedWhileSuspended > 0)
      this.opts.events.record(
        state,
        'Normal',
        'ChainSkipped',
        `${chains.consumedWhileSuspended} upstream run(s) finished while suspended: not started`,
      );
    for (const f of chains.fire) {
      // Claimed in memory until its start records it in status: a reconcile meanwhile must not fire it again.
      state.claimChain(f.upstream, f.marker);
      this.opts.logger.info(
        { job: state.key, upstream: f.upstream, upstreamRun: f.run.name },
        'chained run due',
      );
      this.opts.dispatcher.fire(state, {
        scheduledMs: f.scheduledMs,
        trigger: 'Chained',
        attempt: 1,
        dueMs: f.scheduledMs,
      });
    }
  }

  /**
   * An armed time whose due moment has passed is on time, not missed: the timer wheel just has not
   * fired it yet (its tick, a busy event loop). Run it as scheduled before deciding; otherwise the
   * decision would count it as missed and start it as a catch-up (and the wheel's entry, replaced
   * by the next time, would never fire).
   */
  private fireDueEntry(state: JobState, now: number): void {
    const armed = this.opts.scheduler.armed(state.key);
    if (!armed || armed.dueMs > now) return;
    this.opts.scheduler.disarm(state.key);
    this.opts.metrics?.nextScheduleTime.remove({ namespace: state.namespace, job: state.name });
    this.opts.dispatcher.fire(state, {
      scheduledMs: armed.scheduledMs,
      trigger: 'Schedule',
      attempt: 1,
      dueMs: armed.dueMs,
    });
  }

  private async finalize(key: string, obj: JobObject, meta: JobMeta): Promise<void> {
    const state = this.states.get(key);
    if (state) {
      this.opts.scheduler.disarm(key);
      this.opts.metrics?.forgetJob(state.namespace, state.name);
      if (state.active.size > 0)
        this.opts.logger.info({ job: key, active: state.active.size }, 'job deleted: cancelling active runs');
      await this.opts.dispatcher.cancel(state, 'the job was deleted');
      this.states.delete(key);
      this.opts.status.forget(state);
    }
    if (meta.finalizers?.includes(FINALIZER)) {
      await this.opts.finalizers.remove(splitKey(key), meta.finalizers);
      this.opts.logger.info({ job: key, uid: obj.metadata?.uid }, 'finalizer removed');
    }
  }

  private async forget(state: JobState, why: string): Promise<void> {
    this.opts.scheduler.disarm(state.key);
    this.opts.metrics?.forgetJob(state.namespace, state.name);
    this.states.delete(state.key);
    this.opts.status.forget(state);
    this.opts.logger.info({ job: state.key, why }, 'forgetting job');
    await this.opts.dispatcher.cancel(state, why);
  }

  private release(key: string, why: string): void {
    const state = this.states.get(key);
    if (!state) return;
    this.opts.scheduler.disarm(key);
    this.opts.metrics?.forgetJob(state.namespace, state.name);
    this.opts.dispatcher.release(state);
    this.states.delete(key);
    this.opts.logger.info({ job: key, why, active: state.active.size }, 'releasing job');
  }
}

/** Status markers, moved forward by the chained runs this process has fired but not yet recorded. */
function withClaims(
  markers: readonly UpstreamMarker[] | undefined,
  claims: ReadonlyMap<string, UpstreamMarker>,
): UpstreamMarker[] | undefined {
  if (claims.size === 0) return markers ? [...markers] : undefined;
  const byJob = new Map((markers ?? []).map((m) => [m.job, m]));
  for (const [job, claim] of claims) {
    const m = byJob.get(job);
    if (!m || Date.parse(claim.finishTime) > Date.parse(m.finishTime)) byJob.set(job, claim);
  }
  return [...byJob.values()];
}

/** `markers` with each upstream that has a chained run in flight kept as status has it. */
function unclaimed(markers: readonly UpstreamMarker[], state: JobState): UpstreamMarker[] {
  return markers
    .map((m) => (state.chainClaims.has(m.job) ? state.status.upstreamRuns?.find((r) => r.job === m.job) : m))
    .filter((m): m is UpstreamMarker => m !== undefined)
    .sort((a, b) => a.job.localeCompare(b.job));
}

/**
 * The first whole second at or after `nowMs` whose run name (and so container name) this job has
 * not used for an active or recent run: run names have second precision, and two manual
 * triggers within one second must be two runs, not one recorded twice.
 */
function freeRunSecond(state: JobState, nowMs: number): number {
  const taken = new Set<string>(state.active.keys());
  for (const r of state.status.recentRuns ?? []) taken.add(r.name);
  if (state.status.lastRun) taken.add(state.status.lastRun.name);
  let at = nowMs;
  while (taken.has(runName({ jobName: state.name, scheduledTime: at, attempt: 1 }))) at += 1000;
  return at;
}
