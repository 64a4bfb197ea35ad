/**
 * The reconcile decision, a pure function: given a job as the cache shows it (its validation
 * outcome, compiled schedule and current status view), the last scheduled time already acted on,
 * and now, what must happen? Out comes a plan: the Ready condition, events, the next due time,
 * at most one catch-up run, how many scheduled times were missed, and a manual trigger to honour.
 * The controller carries the plan out; this file never does I/O or reads a clock.
 *
 * Semantics (docs/controller.md has the long form):
 * - invalid spec: Ready=False (InvalidSchedule | UnknownTimeZone | InvalidSpec, field paths in the
 *   message), a Warning event when that state is new, nothing scheduled, manual triggers ignored;
 * - suspended: Ready=True reason Suspended, no next time, missed times are not evaluated until the
 *   job is resumed (then the catch-up rule below applies, as for Kubernetes CronJobs);
 * - `@manual`: Ready=True reason Manual, no next time;
 * - scheduled: the scheduled times in (lastActed, now] whose due time (with jitter) has passed are
 *   missed; only the most recent one runs (trigger CatchUp), and only if it is within
 *   `startingDeadlineSeconds`; the others count in `status.counters.missed` (at most 101 per
 *   decision: counting stops there). The most recent one outside the deadline gives a Warning
 *   MissSchedule; more than 100 give TooManyMissedTimes (with a deadline: more than 100 inside it);
 * - last run refused by the security policy (for this spec): Ready=False reason PolicyDenied with
 *   the denial, where it would be True (policy-denied-condition.ts);
 * - manual trigger: a non-empty `ofelia.dev/run-now` annotation that differs from
 *   `status.lastManualTrigger` asks for one run now (also when suspended or @manual).
 */
import { type Condition, RUN_NOW_ANNOTATION, type ScheduledDockerJobStatus } from '../api/schema.ts';
import type { ValidationResult } from '../api/validate.ts';
import type { CompileResult } from '../schedule/index.ts';
import { jitteredDueMs } from '../schedule/jitter.ts';
import { isWithinStartingDeadline, mostRecentScheduleTime } from '../schedule/missed.ts';
import { type DesiredCondition, findCondition, READY, sameCondition, setCondition } from './conditions.ts';
import { policyDeniedReady } from './policy-denied-condition.ts';

/** Longest condition/event message kept (the causes list can be long). */
export const MAX_MESSAGE_LENGTH = 1024;

export interface DecisionMeta {
  namespace: string;
  name: string;
  generation?: number;
  creationTimestamp?: string;
  annotations?: Record<string, string>;
}

export interface DecisionInput {
  nowMs: number;
  meta: DecisionMeta;
  /** The status as this replica knows it (cache plus its own pending writes). */
  status: ScheduledDockerJobStatus;
  validation: ValidationResult;
  /** The compiled schedule; required when the validation passed. */
  compiled?: CompileResult;
  /** The latest scheduled time already run or counted (max of status.lastScheduleTime and memory). */
  lastActedMs?: number;
}

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type JobPhase = 'Invalid' | 'Suspended' | 'Manual' | 'Scheduled' | 'Exhausted';

export interface ReconcilePlan {
  phase: JobPhase;
  conditions: Condition[];
  events: PlannedEvent[];
  /** The next scheduled (nominal) time and when it is due (with jitter). */
  next?: { scheduledMs: number; dueMs: number };
  /** Run this missed scheduled time now (trigger CatchUp). */
  catchUp?: { scheduledMs: number };
  /** Scheduled times that will never run, to add to status.counters.missed. */
  missed: number;
  /** Scheduled times up to here were run or counted: the next decision starts after it. */
  actedThroughMs?: number;
  /** The run-now annotation value to act on with one Manual run. */
  manualTrigger?: string;
  /** Status fields this decision owns. `null` clears a field (merge-patch semantics). */
  statusPatch: {
    observedGeneration?: number;
    conditions: Condition[];
    nextScheduleTime: string | null;
  };
}

export function decide(input: DecisionInput): ReconcilePlan {
  const { nowMs, meta, status } = input;
  const nowIso = new Date(nowMs).toISOString();
  const events: PlannedEvent[] = [];

  const ready = (
    phase: JobPhase,
    desired: Omit<DesiredCondition, 'type' | 'observedGeneration'>,
    rest: Partial<ReconcilePlan> = {},
  ): ReconcilePlan => {
    // A job whose runs the security policy refuses is not ready, whatever its schedule says.
    const denied =
      desired.status === 'True' ? policyDeniedReady(status, meta.generation, MAX_MESSAGE_LENGTH) : undefined;
    const condition: DesiredCondition = {
      type: READY,
      observedGeneration: meta.generation,
      ...desired,
      ...(denied ? { status: 'False' as const, ...denied } : {}),
    };
    const conditions = setCondition(status.conditions, condition, nowIso);
    const next = rest.next;
    return {
      phase,
      conditions,
      events,
      missed: 0,
      ...rest,
      statusPatch: {
        observedGeneration: meta.generation,
        conditions,
        nextScheduleTime: next ? new Date(next.scheduledMs).toISOString() : null,
      },
    };
  };

  const usable = usableJob(input);
  if (!usable.ok) {
    const desired = {
      type: READY,
      status: 'False' as const,
      ...usable.problem,
      observedGeneration: meta.generation,
    };
    if (!sameCondition(findCondition(status.conditions, READY), desired)) {
      events.push({ type: 'Warning', ...usable.problem });
    }
    return ready('Invalid', { status: 'False', ...usable.problem });
  }
  const { spec, schedule } = usable;

  const manualTrigger = pendingManualTrigger(meta, status);
  const extra: Partial<ReconcilePlan> = manualTrigger ? { manualTrigger } : {};
  if (manualTrigger) {
    events.push({
      type: 'Normal',
      reason: 'ManualTrigger',
      message: `Run requested by ${RUN_NOW_ANNOTATION}=${manualTrigger}`,
    });
  }

  if (spec.suspend) {
    return ready(
      'Suspended',
      {
        status: 'True',
        reason: 'Suspended',
        message: 'Suspended: no scheduled runs (manual triggers still run)',
      },
      extra,
    );
  }
  if (schedule.kind === 'manual') {
    return ready(
      'Manual',
      {
        status: 'True',
        reason: 'Manual',
        message: `Runs only when triggered (annotation ${RUN_NOW_ANNOTATION})`,
      },
      extra,
    );
  }

  const times = scheduledTimes(input, spec, schedule);
  events.push(...times.events);
  const base: Partial<ReconcilePlan> = { ...extra, missed: times.missed };
  if (times.catchUp) base.catchUp = times.catchUp;
  if (times.actedThroughMs !== undefined) base.actedThroughMs = times.actedThroughMs;
  if (!times.next) {
    return ready(
      'Exhausted',
      { status: 'True', reason: 'NoFutureRuns', message: 'The schedule has no future times' },
      base,
    );
  }
  base.next = times.next;
  return ready(
    'Scheduled',
    {
      status: 'True',
      reason: 'Scheduled',
      message: `Schedule "${schedule.normalized}" in ${schedule.timeZone}`,
    },
    base,
  );
}

type JobSpec = Extract<ValidationResult, { ok: true }>['job']['spec'];
type Schedule = Extract<CompileResult, { ok: true }>['schedule'];

/** A job the decision can schedule (valid and compiled), or why it cannot. */
type Usable =
  | { ok: true; spec: JobSpec; schedule: Schedule }
  | { ok: false; problem: { reason: string; message: string } };

/** What a schedulable job's scheduled times call for now. */
interface ScheduledTimes {
  next?: { scheduledMs: number; dueMs: number };
  catchUp?: { scheduledMs: number };
  missed: number;
  actedThroughMs?: number;
  events: PlannedEvent[];
}

/**
 * The scheduled times in (lastActed, now]: the most recent one runs as a catch-up if within the
 * starting deadline (else a MissSchedule warning), the rest are counted as missed; and the next one.
 */
function scheduledTimes(input: DecisionInput, spec: JobSpec, schedule: Schedule): ScheduledTimes {
  const { nowMs, meta } = input;
  const events: PlannedEvent[] = [];
  const hashKey = `${meta.namespace}/${meta.name}`;
  const dueOf = (scheduledMs: number) => jitteredDueMs(hashKey, scheduledMs, spec.jitterSeconds);
  const created = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : Number.NaN;
  // creationTimestamp has whole seconds: the job may have been created up to 999 ms after it, so
  // a time in that same second is not one the job missed.
  const earliestMs = input.lastActedMs ?? (Number.isFinite(created) ? created + 999 : nowMs);

  // Found without the deadline, so that a most recent time outside it is reported (MissSchedule)
  // rather than silently ignored; counting stops after MAX_MISSED_COUNTED + 1.
  let found = mostRecentScheduleTime(schedule, { earliestMs, nowMs });
  // A time whose nominal moment passed but whose jittered due time has not is not missed: it is next.
  let pending: number | undefined;
  if (found.mostRecent !== undefined && dueOf(found.mostRecent) > nowMs) {
    pending = found.mostRecent;
    found = mostRecentScheduleTime(schedule, { earliestMs, nowMs: found.mostRecent - 1 });
  }
  // As Kubernetes does, a job with a deadline only warns about too many misses inside its window.
  const tooMany =
    found.tooMany &&
    (spec.startingDeadlineSeconds === undefined ||
      mostRecentScheduleTime(schedule, {
        earliestMs,
        nowMs: pending === undefined ? nowMs : pending - 1,
        startingDeadlineSeconds: spec.startingDeadlineSeconds,
      }).tooMany);

  const out: ScheduledTimes = { missed: 0, events };
  if (found.mostRecent !== undefined) {
    out.actedThroughMs = found.mostRecent;
    if (isWithinStartingDeadline(found.mostRecent, nowMs, spec.startingDeadlineSeconds)) {
      out.catchUp = { scheduledMs: found.mostRecent };
      out.missed = found.missed - 1;
    } else {
      out.missed = found.missed;
      events.push({
        type: 'Warning',
        reason: 'MissSchedule',
        message: `Missed scheduled time to start a run: ${new Date(found.mostRecent).toISOString()}`,
      });
    }
    if (tooMany) {
      events.push({
        type: 'Warning',
        reason: 'TooManyMissedTimes',
        message:
          'Too many missed start times (> 100). Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      });
    }
  }
  const nextScheduled = pending ?? schedule.next(nowMs);
  if (nextScheduled !== undefined) out.next = { scheduledMs: nextScheduled, dueMs: dueOf(nextScheduled) };
  return out;
}

function usableJob(input: DecisionInput): Usable {
  const problem = (reason: string, message: string): Usable => ({ ok: false, problem: { reason, message } });
  const { validation, compiled } = input;
  if (!validation.ok) {
    const fields = validation.causes.map((c) => c.field);
    const reason = fields.includes('spec.schedule')
      ? 'InvalidSchedule'
      : fields.includes('spec.timeZone')
        ? 'UnknownTimeZone'
        : 'InvalidSpec';
    const message = validation.causes.map((c) => `${c.field || '<object>'}: ${c.message}`).join('; ');
    return problem(reason, truncate(message));
  }
  if (!compiled) return problem('InvalidSchedule', 'spec.schedule: not compiled');
  if (!compiled.ok) {
    return problem(
      compiled.field === 'timeZone' ? 'UnknownTimeZone' : 'InvalidSchedule',
      truncate(`spec.${compiled.field}: ${compiled.reason}`),
    );
  }
  return { ok: true, spec: validation.job.spec, schedule: compiled.schedule };
}

function pendingManualTrigger(meta: DecisionMeta, status: ScheduledDockerJobStatus): string | undefined {
  const value = meta.annotations?.[RUN_NOW_ANNOTATION];
  if (!value || value === status.lastManualTrigger) return undefined;
  return value;
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
