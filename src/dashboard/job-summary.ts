/**
 * What the browser gets per job in the live feed: the fields the jobs table and the timeline
 * show, without the bulky parts (spec details, log tails, managed fields), so 10,000 jobs stay a
 * few megabytes. The job page fetches the full object. Pure (`nowMs` is a parameter).
 */
import { compileSchedule } from '../schedule/index.ts';
import { describeSchedule } from './schedule-words.ts';

export interface RunSummary {
  name: string;
  trigger?: string;
  scheduledTime: string;
  startTime?: string;
  finishTime?: string;
  result: string;
  exitCode?: number;
  node?: string;
}

export interface JobSummary {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  schedule: string;
  /** The schedule in words (schedule-words.ts). */
  scheduleText: string;
  timeZone?: string;
  /** Next due times (nominal, without jitter; epoch seconds) within the horizon, for the timeline's ticks. */
  upcoming: number[];
  suspend: boolean;
  /** Ready condition's reason (Scheduled, Suspended, Manual, Invalid, Exhausted ...). */
  state: string;
  ready: string;
  nextScheduleTime?: string;
  lastResult?: string;
  active: { name: string; startTime?: string; scheduledTime: string }[];
  recentRuns: RunSummary[];
  counters?: Record<string, number>;
}

type Obj = Record<string, unknown>;

/** How far ahead, and how many at most, the upcoming ticks of a job go. */
export const UPCOMING_HORIZON_MS = 12 * 3600_000;
export const UPCOMING_MAX = 24;

function upcoming(
  namespace: string,
  name: string,
  schedule: string,
  timeZone: string,
  nowMs: number,
): number[] {
  const compiled = compileSchedule(schedule, { timeZone, hashKey: `${namespace}/${name}` });
  if (!compiled.ok) return [];
  const out: number[] = [];
  let t = nowMs;
  while (out.length < UPCOMING_MAX) {
    const next = compiled.schedule.next(t);
    if (next === undefined || next > nowMs + UPCOMING_HORIZON_MS) break;
    out.push(Math.round(next / 1000));
    t = next;
  }
  return out;
}

function runSummary(r: Obj): RunSummary {
  const out: RunSummary = {
    name: String(r.name ?? ''),
    scheduledTime: String(r.scheduledTime ?? ''),
    result: String(r.result ?? ''),
  };
  for (const k of ['trigger', 'startTime', 'finishTime', 'node'] as const)
    if (typeof r[k] === 'string') out[k] = r[k];
  if (typeof r.exitCode === 'number') out.exitCode = r.exitCode;
  return out;
}

export function summarizeJob(job: Obj, nowMs: number): JobSummary {
  const meta = (job.metadata ?? {}) as Obj;
  const spec = (job.spec ?? {}) as Obj;
  const status = (job.status ?? {}) as Obj;
  const conditions = (status.conditions ?? []) as Obj[];
  const ready = conditions.find((c) => c.type === 'Ready');
  const active = ((status.active ?? []) as Obj[]).map((a) => ({
    name: String(a.name ?? ''),
    scheduledTime: String(a.scheduledTime ?? ''),
    ...(typeof a.startTime === 'string' ? { startTime: a.startTime } : {}),
  }));
  const summary: JobSummary = {
    namespace: String(meta.namespace ?? ''),
    name: String(meta.name ?? ''),
    labels: (meta.labels ?? {}) as Record<string, string>,
    schedule: String(spec.schedule ?? ''),
    scheduleText: describeSchedule(String(spec.schedule ?? '')),
    upcoming:
      spec.suspend === true
        ? []
        : upcoming(
            String(meta.namespace ?? ''),
            String(meta.name ?? ''),
            String(spec.schedule ?? ''),
            typeof spec.timeZone === 'string' ? spec.timeZone : 'UTC',
            nowMs,
          ),
    suspend: spec.suspend === true,
    state: spec.suspend === true ? 'Suspended' : String(ready?.reason ?? 'Pending'),
    ready: String(ready?.status ?? 'Unknown'),
    active,
    recentRuns: ((status.recentRuns ?? []) as Obj[]).map(runSummary),
  };
  if (typeof spec.timeZone === 'string') summary.timeZone = spec.timeZone;
  if (typeof status.nextScheduleTime === 'string') summary.nextScheduleTime = status.nextScheduleTime;
  if (typeof status.lastResult === 'string') summary.lastResult = status.lastResult;
  if (status.counters && typeof status.counters === 'object')
    summary.counters = status.counters as Record<string, number>;
  if (active.length > 0) summary.state = 'Running';
  return summary;
}
