/**
 * Run events -> the job's status. Registered first on the bus, so the status view is current
 * before any other observer (or the dispatcher's next decision) reads it.
 * - Started: `active[]`, `activeCount` and, for a nominal time, `lastScheduleTime` as one URGENT
 *   change (a restarted operator must see the time as taken);
 * - Adopted: `active[]`, `activeCount` (urgent);
 * - OutputAvailable: `active[]` with the container id and start time;
 * - Finished: run record, history, counters (idempotent per run name, see run-history.ts),
 *   `active[]`/`activeCount`;
 * - Missed / Skipped: the counter.
 * Never: waits for a write (the status writer queues it).
 */
import { iso } from '../../util/iso-time.ts';
import type { JobState } from '../job-state.ts';
import type { JobStatusView } from '../job-status-view.ts';
import { isNominal } from '../run-admission.ts';
import type { RunEvent, RunObserver } from '../run-events/run-event.ts';
import { applyFinishedRun, emptyCounters } from '../run-history.ts';

export class RunStatusObserver implements RunObserver<JobState> {
  readonly name = 'status';

  constructor(private readonly view: JobStatusView) {}

  observe(event: RunEvent<JobState>): void {
    const state = event.job;
    switch (event.type) {
      case 'Started': {
        const patch: Parameters<JobStatusView['change']>[1] = {
          active: state.activeStatus(),
          activeCount: state.active.size,
        };
        if (isNominal(event.trigger)) patch.lastScheduleTime = iso(event.scheduledMs);
        this.view.change(state, patch, true);
        return;
      }
      case 'Adopted':
        this.view.change(state, { active: state.activeStatus(), activeCount: state.active.size }, true);
        return;
      case 'OutputAvailable':
        this.view.change(state, { active: state.activeStatus() });
        return;
      case 'Finished': {
        const spec = state.job?.spec;
        // The node of the replica that ran it (cluster mode: `kubectl get sdj -o wide`, LAST NODE).
        const record =
          state.node && !event.record.node ? { ...event.record, node: state.node } : event.record;
        const fields = applyFinishedRun(state.status, record, {
          successfulRunsHistoryLimit: spec?.successfulRunsHistoryLimit ?? 3,
          failedRunsHistoryLimit: spec?.failedRunsHistoryLimit ?? 3,
        });
        const active = state.activeStatus();
        this.view.change(state, {
          ...fields,
          active: active.length > 0 ? active : null,
          activeCount: active.length,
        });
        return;
      }
      case 'Missed':
      case 'Skipped': {
        const counters = { ...emptyCounters(), ...state.status.counters };
        if (event.type === 'Missed') counters.missed++;
        else counters.skipped++;
        this.view.change(state, { counters });
        return;
      }
      case 'Scheduled':
      case 'RetryScheduled':
        return;
    }
  }
}
