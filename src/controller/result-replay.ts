/**
 * Start-up replay of run results an earlier process journaled but never saw written (it was
 * stopped with a backlog, killed, or the API server was down): each goes to its job's status
 * again, ahead of routine refreshes, before leftovers are adopted and before any reconcile.
 *
 * - In: the journal's pending results, the synced informer's jobs, the controller.
 * - A result whose job is gone, or was re-created (another uid), is settled: nothing to write.
 * - A result already in the job's recentRuns (written just before the kill) changes nothing:
 *   applying a result is idempotent per run name and attempt (run-history.ts), so none is counted
 *   twice; it is settled.
 * - Otherwise lastRun, recentRuns, counters and lastSuccessfulTime are written as the reporter
 *   would have written them, the run leaves `active[]`, and a nominal scheduled time counts as
 *   acted on (never started again as a catch-up). The journal entry is settled once written.
 * - Jobs this replica does not own any more are written too (the result is the truth); their
 *   state is not kept here.
 */
import type { JobObject } from '../kube/job-api.ts';
import type { ResultJournal } from '../kube/result-journal.ts';
import type { Logger } from '../log/logger.ts';
import { type JobController, keyOf } from './job-controller.ts';
import { JobState } from './job-state.ts';
import type { JobStatusView } from './job-status-view.ts';
import { ownsJob, type ReplicaRole } from './placement.ts';
import { isNominal } from './run-admission.ts';
import { applyFinishedRun } from './run-history.ts';

export interface ResultReplayDeps {
  journal: ResultJournal;
  jobs: ReadonlyArray<JobObject>;
  controller: JobController;
  /** Where the replayed changes are merged and queued for writing. */
  status: JobStatusView;
  role: ReplicaRole;
  logger: Logger;
}

export interface ResultReplaySummary {
  /** Submitted to the status writer again. */
  replayed: number;
  /** Already in the status. */
  alreadyWritten: number;
  /** The job is gone or was re-created. */
  jobGone: number;
}

export function replayPendingResults(deps: ResultReplayDeps): ResultReplaySummary {
  const { journal, controller, logger } = deps;
  const summary: ResultReplaySummary = { replayed: 0, alreadyWritten: 0, jobGone: 0 };
  const byUid = new Map<string, JobObject>();
  for (const job of deps.jobs) if (job.metadata?.uid) byUid.set(job.metadata.uid, job);
  for (const pending of journal.pending()) {
    const job = byUid.get(pending.uid);
    if (!job || job.metadata?.name !== pending.name || job.metadata?.namespace !== pending.namespace) {
      summary.jobGone++;
      journal.settle(pending.id);
      continue;
    }
    const key = keyOf(pending.namespace, pending.name);
    const placement = (job.spec as { placement?: { nodeName?: string } } | undefined)?.placement;
    const state = ownsJob(placement, deps.role)
      ? controller.ensureState(key, job)
      : new JobState(pending.namespace, pending.name, pending.uid, job.status as JobState['status']);
    const spec = state.job?.spec;
    const record = pending.record;
    const fields = applyFinishedRun(state.status, record, {
      successfulRunsHistoryLimit: spec?.successfulRunsHistoryLimit ?? 3,
      failedRunsHistoryLimit: spec?.failedRunsHistoryLimit ?? 3,
    });
    if (!fields) {
      summary.alreadyWritten++;
      journal.settle(pending.id);
      continue;
    }
    const patch: Parameters<JobStatusView['submit']>[1] = { ...fields };
    const active = state.status.active ?? [];
    if (active.some((a) => a.name === record.name)) {
      const rest = active.filter((a) => a.name !== record.name);
      patch.active = rest.length > 0 ? rest : null;
      patch.activeCount = rest.length;
    }
    const scheduledMs = Date.parse(record.scheduledTime);
    if (record.trigger === undefined || isNominal(record.trigger)) {
      state.claim(scheduledMs);
      const last = state.status.lastScheduleTime ? Date.parse(state.status.lastScheduleTime) : Number.NaN;
      if (!(last >= scheduledMs)) patch.lastScheduleTime = record.scheduledTime;
    }
    const id = pending.id;
    deps.status.submit(state, patch, { priority: 'run', onDone: () => journal.settle(id) });
    summary.replayed++;
    logger.info(
      { job: key, run: record.name, result: record.result },
      'replaying a run result not yet in status',
    );
  }
  return summary;
}
