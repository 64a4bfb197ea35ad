/**
 * What the dispatcher's decisions leave behind: the job's status, its Events and the scheduler
 * metrics, for each thing that happens to a run.
 *
 * In: the job's state, the run (name, request, record) and what happened to it. Out: calls to the
 * host (`changeStatus`, `event`) and metric updates:
 * - started: `active[]`, `activeCount` and, for a nominal time, `lastScheduleTime` as one URGENT
 *   change (a restarted operator must see the time as taken), Event SuccessfulCreate, schedule lag;
 * - adopted: `active[]`, `activeCount` (urgent), Event Adopted;
 * - container started: `active[]` with the container id and start time;
 * - finished: run record, history, counters (idempotent per run name, see run-history.ts),
 *   `active[]`/`activeCount`, and an Event per result;
 * - missed / skipped: the counter, the metric and a Warning Event.
 * Never: decides anything (the dispatcher did), waits for a write, or puts secrets in messages.
 */
import type { RunRecord } from '../api/schema.ts';
import type { StatusPatch } from '../kube/status-writer.ts';
import type { SchedulerMetrics, SkipReason } from '../metrics/scheduler-metrics.ts';
import type { DispatcherHost, FireRequest } from './dispatcher.ts';
import type { JobState } from './job-state.ts';
import { isNominal } from './run-admission.ts';
import { applyFinishedRun, emptyCounters } from './run-history.ts';

export class RunReporter {
  constructor(
    private readonly host: DispatcherHost,
    private readonly metrics: SchedulerMetrics | undefined,
  ) {}

  /** A run was just tracked and is about to be handed to the runner. */
  started(state: JobState, name: string, req: FireRequest, nowMs: number): void {
    this.metrics?.scheduleLag.observe(Math.max(0, nowMs - req.dueMs) / 1000);
    const patch: StatusPatch = {
      active: state.activeStatus(),
      activeCount: state.active.size,
    };
    if (isNominal(req.trigger)) patch.lastScheduleTime = iso(req.scheduledMs);
    this.host.changeStatus(state, patch, true);
    const how =
      req.trigger === 'Schedule'
        ? ''
        : ` (${req.trigger}${req.attempt > 1 ? `, attempt ${req.attempt}` : ''})`;
    this.host.event(state, 'Normal', 'SuccessfulCreate', `Started run ${name}${how}`);
  }

  /** A container of an earlier process is followed as one of this job's runs. */
  adopted(state: JobState, name: string, containerId: string): void {
    this.host.changeStatus(state, { active: state.activeStatus(), activeCount: state.active.size }, true);
    this.host.event(
      state,
      'Normal',
      'Adopted',
      `Adopted run ${name} (container ${containerId.slice(0, 12)}) after a restart`,
    );
  }

  /** The runner reported the container id and start time of an active run. */
  containerStarted(state: JobState): void {
    this.host.changeStatus(state, { active: state.activeStatus() });
  }

  /** A run ended (it is no longer in `state.active`). */
  finished(state: JobState, finished: RunRecord): void {
    const record = state.node && !finished.node ? { ...finished, node: state.node } : finished;
    const spec = state.job?.spec;
    const limits = {
      successfulRunsHistoryLimit: spec?.successfulRunsHistoryLimit ?? 3,
      failedRunsHistoryLimit: spec?.failedRunsHistoryLimit ?? 3,
    };
    const fields = applyFinishedRun(state.status, record, limits);
    const active = state.activeStatus();
    this.host.changeStatus(state, {
      ...fields,
      active: active.length > 0 ? active : null,
      activeCount: active.length,
    });
    this.metrics?.jobRunFinished(state.namespace, state.name, record.result);
    this.announce(state, record);
  }

  /** A nominal time that can no longer start within startingDeadlineSeconds. */
  missed(state: JobState, req: FireRequest): void {
    const counters = { ...emptyCounters(), ...state.status.counters };
    counters.missed++;
    this.host.changeStatus(state, { counters });
    this.metrics?.missedRuns.inc();
    this.host.event(
      state,
      'Warning',
      'MissSchedule',
      `Missed scheduled time to start a run: ${iso(req.scheduledMs)} (past startingDeadlineSeconds)`,
    );
  }

  /** A due run deliberately not started. */
  skipped(state: JobState, req: FireRequest, reason: SkipReason, why: string): void {
    const counters = { ...emptyCounters(), ...state.status.counters };
    counters.skipped++;
    this.host.changeStatus(state, { counters });
    this.metrics?.skippedRuns.inc({ reason });
    this.host.event(
      state,
      'Warning',
      reason,
      `Not starting the run scheduled for ${iso(req.scheduledMs)}: ${why}`,
    );
  }

  private announce(state: JobState, record: RunRecord): void {
    const { host } = this;
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
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
