/**
 * What a finished run does to a job's status: `lastRun`, `lastResult`, `lastSuccessfulTime`,
 * `counters`, and `recentRuns` (newest first, at most `successfulRunsHistoryLimit` successful and
 * `failedRunsHistoryLimit` unsuccessful records). Pure.
 *
 * Idempotent per run name: applying a record whose run is already in `recentRuns` with the same
 * attempt changes nothing, so a run observed twice (an adopted container after a restart, a
 * leadership hand-over) is counted once.
 */
import type { RunRecord, ScheduledDockerJobStatus } from '../api/schema.ts';

export interface HistoryLimits {
  successfulRunsHistoryLimit: number;
  failedRunsHistoryLimit: number;
}

type Counters = NonNullable<ScheduledDockerJobStatus['counters']>;

export function emptyCounters(): Counters {
  return { succeeded: 0, failed: 0, missed: 0, skipped: 0 };
}

/** The status fields a finished run changes. */
export type RunHistoryFields = Pick<
  ScheduledDockerJobStatus,
  'lastRun' | 'lastResult' | 'lastSuccessfulTime' | 'recentRuns' | 'counters'
>;

export function applyFinishedRun(
  status: ScheduledDockerJobStatus,
  record: RunRecord,
  limits: HistoryLimits,
): RunHistoryFields | undefined {
  const recent = status.recentRuns ?? [];
  if (recent.some((r) => r.name === record.name && (r.attempt ?? 1) === (record.attempt ?? 1)))
    return undefined;
  const counters = { ...emptyCounters(), ...status.counters };
  const succeeded = record.result === 'Succeeded';
  // Cancelled runs (Replace, delete, shutdown) are neither successes nor failures of the job.
  if (succeeded) counters.succeeded++;
  else if (record.result !== 'Cancelled' && record.result !== 'Unknown') counters.failed++;
  const fields: RunHistoryFields = {
    lastRun: record,
    lastResult: record.result,
    recentRuns: trimHistory([record, ...recent], limits),
    counters,
  };
  if (succeeded) fields.lastSuccessfulTime = record.finishTime ?? status.lastSuccessfulTime;
  else if (status.lastSuccessfulTime) fields.lastSuccessfulTime = status.lastSuccessfulTime;
  return fields;
}

/** Newest first (by finish, else start, else scheduled time), within the per-outcome limits. */
export function trimHistory(records: readonly RunRecord[], limits: HistoryLimits): RunRecord[] {
  const sorted = [...records].sort((a, b) => sortKey(b).localeCompare(sortKey(a)));
  let ok = 0;
  let failed = 0;
  const kept: RunRecord[] = [];
  for (const record of sorted) {
    if (record.result === 'Succeeded') {
      if (ok++ < limits.successfulRunsHistoryLimit) kept.push(record);
    } else if (failed++ < limits.failedRunsHistoryLimit) {
      kept.push(record);
    }
  }
  return kept;
}

function sortKey(r: RunRecord): string {
  return r.finishTime ?? r.startTime ?? r.scheduledTime;
}
