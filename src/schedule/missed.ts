/**
 * Missed-run math, as Kubernetes' CronJob controller v2 does it (`mostRecentScheduleTime`).
 *
 * Given the last time the job was scheduled (or its creation time) and now, how many scheduled
 * times were missed, and which is the most recent one? The controller runs only that most recent
 * time, and only if it is still within the starting deadline. Counting stops after
 * `MAX_MISSED_COUNTED` (100): beyond that `tooMany` is set (event TooManyMissedTimes) and the most
 * recent time is still found, by bisection rather than by walking every missed time.
 */
import type { CompiledSchedule } from './compile.ts';

export const MAX_MISSED_COUNTED = 100;

export interface MissedRuns {
  /** The latest scheduled time in (earliestMs, nowMs], if any. */
  readonly mostRecent?: number;
  /** Scheduled times in (earliestMs, nowMs], counted up to MAX_MISSED_COUNTED + 1. */
  readonly missed: number;
  /** More than MAX_MISSED_COUNTED times were missed. */
  readonly tooMany: boolean;
}

export interface MissedRunsInput {
  /** The last scheduled time acted on, or the job's creation time. Times at it are not missed. */
  readonly earliestMs: number;
  readonly nowMs: number;
  /**
   * When set, times older than this many seconds before now are not counted at all (as
   * Kubernetes does): a job with a deadline never reports TooManyMissedTimes for a long outage.
   */
  readonly startingDeadlineSeconds?: number;
}

export function mostRecentScheduleTime(
  schedule: Pick<CompiledSchedule, 'next'>,
  input: MissedRunsInput,
): MissedRuns {
  const { nowMs } = input;
  let earliest = input.earliestMs;
  if (input.startingDeadlineSeconds !== undefined) {
    // The -1 keeps a time exactly at the deadline countable (it is still within it).
    earliest = Math.max(earliest, nowMs - input.startingDeadlineSeconds * 1000 - 1);
  }
  let missed = 0;
  let mostRecent: number | undefined;
  let cursor = earliest;
  for (;;) {
    const due = schedule.next(cursor);
    if (due === undefined || due > nowMs) return withRecent(mostRecent, missed, false);
    mostRecent = due;
    cursor = due;
    missed++;
    if (missed > MAX_MISSED_COUNTED) break;
  }
  return withRecent(latestAtOrBefore(schedule, mostRecent, nowMs), missed, true);
}

function withRecent(mostRecent: number | undefined, missed: number, tooMany: boolean): MissedRuns {
  return mostRecent === undefined ? { missed, tooMany } : { mostRecent, missed, tooMany };
}

/**
 * The latest due time <= nowMs, given `known`, a due time <= nowMs. Bisection over [known, limit]:
 * O(log((nowMs - known) / 1 ms)) calls to next(), whatever the number of times in between.
 */
function latestAtOrBefore(schedule: Pick<CompiledSchedule, 'next'>, known: number, nowMs: number): number {
  // Invariants: `latest` is a due time <= nowMs; no due time lies in (limit, nowMs].
  let latest = known;
  let limit = nowMs;
  for (;;) {
    const following = schedule.next(latest);
    if (following === undefined || following > limit) return latest;
    const middle = Math.floor((following + limit) / 2);
    const probe = schedule.next(middle);
    if (probe !== undefined && probe <= limit) {
      latest = probe;
    } else {
      latest = following;
      limit = middle;
    }
  }
}

/**
 * True when a run scheduled at `scheduledMs` may still start at `nowMs`. No deadline: always.
 * A run exactly at the deadline is still in time.
 */
export function isWithinStartingDeadline(
  scheduledMs: number,
  nowMs: number,
  startingDeadlineSeconds?: number,
): boolean {
  if (startingDeadlineSeconds === undefined) return true;
  return nowMs - scheduledMs <= startingDeadlineSeconds * 1000;
}
