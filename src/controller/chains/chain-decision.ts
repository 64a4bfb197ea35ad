/**
 * Chains, the pure core: given a job's `spec.after`, what it has already acted on
 * (`status.upstreamRuns`), what its upstream jobs' statuses show and now, which upstream finishes
 * start a run of this job (trigger Chained) — each exactly once — and what to record.
 *
 * Rules
 * - A finish is new when its finishTime is after the job's marker for that upstream; new
 *   finishes that match `on` (Succeeded; Failed = any result but Succeeded and Cancelled;
 *   Completed = either) each start one run, oldest first, whose scheduled time is the upstream
 *   finish time (a deterministic run identity: the same finish always names the same run).
 * - No marker yet (a new `after` entry): the marker starts at the upstream's latest finish (or
 *   now), nothing fires — adding a chain never replays history.
 * - Suspended: new finishes are consumed (the marker moves) without runs, like a suspended
 *   CronJob's missed times.
 * - A cycle through `after` (this job reachable from itself) is a problem: nothing fires.
 * - A missing upstream job is reported, not fatal: the other entries work.
 * Never reads a clock or the API: everything comes in as input.
 */
import type { RunRecord } from '../../api/schema.ts';

export type ChainOn = 'Succeeded' | 'Failed' | 'Completed';
export type { UpstreamMarker } from '../fire-request.ts';

import type { UpstreamMarker } from '../fire-request.ts';

export interface ChainInput {
  /** This job's name (namespace is implied: chains stay in one namespace). */
  name: string;
  after: readonly { job: string; on: ChainOn }[];
  markers: readonly UpstreamMarker[] | undefined;
  /** Finished runs an upstream job's status shows (lastRun and recentRuns); undefined: no such job. */
  upstreamRuns(job: string): readonly RunRecord[] | undefined;
  /** `spec.after[].job` of any job of the namespace (for cycle detection); undefined: no such job. */
  afterOf(job: string): readonly string[] | undefined;
  suspended: boolean;
  nowMs: number;
}

export interface ChainFire {
  upstream: string;
  run: RunRecord;
  /** The Chained run's scheduled time: the upstream finish. */
  scheduledMs: number;
  /** The marker to record once this run has started (or was skipped): see ChainPlan.markers. */
  marker: UpstreamMarker;
}

export interface ChainPlan {
  fire: ChainFire[];
  /**
   * The new `status.upstreamRuns`, when it changes. An upstream with runs to fire keeps its old
   * marker here: each fired run moves it when it starts (in the same write as its start), so a
   * run still queued when the process dies is decided again by the next one.
   */
  markers?: UpstreamMarker[];
  /** Upstream runs consumed without a run because the job is suspended. */
  consumedWhileSuspended: number;
  /** A cycle through spec.after, as `a -> b -> a`; nothing fires then. */
  cycle?: string;
  /** Upstream jobs that do not exist. */
  missing: string[];
}

export function matchesOn(on: ChainOn, result: RunRecord['result']): boolean {
  if (result === 'Cancelled') return false;
  if (on === 'Completed') return true;
  return on === 'Succeeded' ? result === 'Succeeded' : result !== 'Succeeded';
}

export function decideChains(input: ChainInput): ChainPlan {
  const plan: ChainPlan = { fire: [], missing: [], consumedWhileSuspended: 0 };
  const cycle = findCycle(
    input.name,
    input.after.map((a) => a.job),
    input.afterOf,
  );
  if (cycle) {
    plan.cycle = cycle;
    return plan;
  }
  const markers = new Map((input.markers ?? []).map((m) => [m.job, m]));
  const next = new Map<string, UpstreamMarker>();
  const seen = new Set<string>();
  for (const entry of input.after) {
    if (seen.has(entry.job)) continue;
    seen.add(entry.job);
    const runs = input.upstreamRuns(entry.job);
    if (!runs) {
      plan.missing.push(entry.job);
      const kept = markers.get(entry.job);
      if (kept) next.set(entry.job, kept);
      continue;
    }
    const finished = runs
      .filter((r): r is RunRecord & { finishTime: string } => Number.isFinite(finishMs(r)))
      .sort((a, b) => finishMs(a) - finishMs(b));
    const latest = finished.at(-1);
    const marker = markers.get(entry.job);
    if (!marker) {
      next.set(
        entry.job,
        latest
          ? { job: entry.job, run: latest.name, finishTime: latest.finishTime }
          : { job: entry.job, finishTime: new Date(input.nowMs).toISOString() },
      );
      continue;
    }
    const since = Date.parse(marker.finishTime);
    const fresh = finished.filter((r) => Date.parse(r.finishTime) > since);
    if (fresh.length === 0) {
      next.set(entry.job, marker);
      continue;
    }
    let fired = false;
    for (const run of fresh) {
      if (!matchesOn(entry.on, run.result)) continue;
      if (input.suspended) plan.consumedWhileSuspended++;
      else {
        fired = true;
        plan.fire.push({
          upstream: entry.job,
          run,
          scheduledMs: Date.parse(run.finishTime),
          marker: { job: entry.job, run: run.name, finishTime: run.finishTime },
        });
      }
    }
    const newest = fresh.at(-1)!;
    next.set(entry.job, fired ? marker : { job: entry.job, run: newest.name, finishTime: newest.finishTime });
  }
  const nextList = [...next.values()].sort((a, b) => a.job.localeCompare(b.job));
  if (!sameMarkers(input.markers ?? [], nextList)) plan.markers = nextList;
  plan.fire.sort((a, b) => a.scheduledMs - b.scheduledMs);
  return plan;
}

/** A path from `start` back to itself through `after` edges, as `a -> b -> a`; undefined if none. */
function findCycle(
  start: string,
  direct: readonly string[],
  afterOf: (job: string) => readonly string[] | undefined,
): string | undefined {
  // Breadth-first over upstream edges, bounded by the jobs of the namespace it can reach.
  const parent = new Map<string, string>();
  const queue: string[] = [];
  for (const job of direct) {
    if (job === start) return `${start} -> ${start}`;
    if (!parent.has(job)) {
      parent.set(job, start);
      queue.push(job);
    }
  }
  while (queue.length > 0) {
    const job = queue.shift()!;
    for (const up of afterOf(job) ?? []) {
      if (up === start) {
        const path = [start, job];
        for (let p = parent.get(job); p && p !== start; p = parent.get(p)) path.splice(1, 0, p);
        return [...path, start].reverse().join(' -> ');
      }
      if (!parent.has(up)) {
        parent.set(up, job);
        queue.push(up);
      }
    }
  }
  return undefined;
}

function finishMs(run: RunRecord): number {
  return run.finishTime ? Date.parse(run.finishTime) : Number.NaN;
}

function sameMarkers(a: readonly UpstreamMarker[], b: readonly UpstreamMarker[]): boolean {
  if (a.length !== b.length) return false;
  const byJob = new Map(a.map((m) => [m.job, m]));
  return b.every((m) => {
    const o = byJob.get(m.job);
    return o !== undefined && o.finishTime === m.finishTime && o.run === m.run;
  });
}
