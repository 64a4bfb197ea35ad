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
import { applyMergePatch } from '../../util/merge-patch.ts';
import type { UpstreamMarker } from '../fire-request.ts';
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
        // A Chained run's upstream finish is recorded in the same urgent write as its start.
        if (event.chain) {
          patch.upstreamRuns = withMarker(state.status.upstreamRuns, event.chain);
          releaseClaim(state, event.chain);
        }
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
        // The node of the replica that ran it: the one stamp of it (`kubectl get sdj -o wide`, LAST
        // NODE; the dashboard sends a request for the run's output there). A record that already
        // names its node (replayed from the result journal) keeps it.
        // Merged, not spread (`{ ...record, node }`): the record stays in status.recentRuns, and a
        // spread plus a key gives each record a hidden class of its own in this V8 (merge-patch.ts).
        const record =
          state.node && !event.record.node
            ? applyMergePatch(event.record, { node: state.node })
            : event.record;
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
        const patch: Parameters<JobStatusView['change']>[1] = { counters };
        // A chained run decided against is consumed, except at shutdown: the next process decides it again.
        if (event.chain && !(event.type === 'Skipped' && event.reason === 'Shutdown')) {
          patch.upstreamRuns = withMarker(state.status.upstreamRuns, event.chain);
          releaseClaim(state, event.chain);
        }
        this.view.change(state, patch);
        return;
      }
      case 'Scheduled':
      case 'RetryScheduled':
        return;
    }
  }
}

/** The in-memory claim of a chained run ends once status records it (or a later one). */
function releaseClaim(state: JobState, marker: UpstreamMarker): void {
  const claim = state.chainClaims.get(marker.job);
  if (claim && Date.parse(claim.finishTime) <= Date.parse(marker.finishTime))
    state.releaseChainClaim(marker.job);
}

/** `markers` with `marker` for its upstream, never moving a marker back in time. */
function withMarker(
  markers: readonly UpstreamMarker[] | undefined,
  marker: UpstreamMarker,
): UpstreamMarker[] {
  const others = (markers ?? []).filter((m) => m.job !== marker.job);
  const current = markers?.find((m) => m.job === marker.job);
  const keep = current && Date.parse(current.finishTime) >= Date.parse(marker.finishTime) ? current : marker;
  return [...others, keep].sort((a, b) => a.job.localeCompare(b.job));
}
