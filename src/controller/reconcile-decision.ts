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
  const { nowMs, meta, status, validation } = input;
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

  // ---- invalid -------------------------------------------------------------------------------
  const invalid = invalidReason(input);
  if (invalid) {
    const desired = {
      type: READY,
      status: 'False' as const,
      ...invalid,
      observedGeneration: meta.generation,
    };
    if (!sameCondition(findCondition(status.conditions, READY), desired)) {
      events.push({ type: 'Warning', reason: invalid.reason, message: invalid.message });
    }
    return ready('Invalid', { status: 'False', ...invalid });
  }
  if (!validation.ok || !input.compiled?.ok) throw new Error('unreachable: invalidReason covers these');
  const spec = validation.job.spec;
  const schedule = input.compiled.schedule;

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

  // ---- scheduled: missed times and catch-up --------------------------------------------------
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

  let missed = 0;
  let catchUp: ReconcilePlan['catchUp'];
  let actedThroughMs: number | undefined;
  if (found.mostRecent !== undefined) {
    actedThroughMs = found.mostRecent;
    const iso = new Date(found.mostRecent).toISOString();
    if (isWithinStartingDeadline(found.mostRecent, nowMs, spec.startingDeadlineSeconds)) {
      catchUp = { scheduledMs: found.mostRecent };
      missed = found.missed - 1;
    } else {
      missed = found.missed;
      events.push({
        type: 'Warning',
        reason: 'MissSchedule',
        message: `Missed scheduled time to start a run: ${iso}`,
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
  const base: Partial<ReconcilePlan> = { ...extra, missed };
  if (catchUp) base.catchUp = catchUp;
  if (actedThroughMs !== undefined) base.actedThroughMs = actedThroughMs;
  if (nextScheduled === undefined) {
    return ready(
      'Exhausted',
      { status: 'True', reason: 'NoFutureRuns', message: 'The schedule has no future times' },
      base,
    );
  }
  base.next = { scheduledMs: nextScheduled, dueMs: dueOf(nextScheduled) };
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

function invalidReason(input: DecisionInput): { reason: string; message: string } | undefined {
  const { validation, compiled } = input;
  if (!validation.ok) {
    const fields = validation.causes.map((c) => c.field);
    const reason = fields.includes('spec.schedule')
      ? 'InvalidSchedule'
      : fields.includes('spec.timeZone')
        ? 'UnknownTimeZone'
        : 'InvalidSpec';
    const message = validation.causes.map((c) => `${c.field || '<object>'}: ${c.message}`).join('; ');
    return { reason, message: truncate(message) };
  }
  if (!compiled) return { reason: 'InvalidSchedule', message: 'spec.schedule: not compiled' };
  if (!compiled.ok) {
    return {
      reason: compiled.field === 'timeZone' ? 'UnknownTimeZone' : 'InvalidSchedule',
      message: truncate(`spec.${compiled.field}: ${compiled.reason}`),
    };
  }
  return undefined;
}

function pendingManualTrigger(meta: DecisionMeta, status: ScheduledDockerJobStatus): string | undefined {
  const value = meta.annotations?.[RUN_NOW_ANNOTATION];
  if (!value || value === status.lastManualTrigger) return undefined;
  return value;
}

function truncate(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}
