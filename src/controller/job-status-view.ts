/**
 * A job's status as this replica will have written it: every change is merged into the job's
 * in-memory view at once (decisions read it) and handed to the status writer, which coalesces and
 * rate-limits the API writes. This replica is the only writer of an owned job's status, so the view
 * is authoritative. Shared by the reconciler and the run-status observer.
 *
 * Each change gets its class in the writer (src/kube/status-queue.ts): run starts (`urgent`) and
 * run results first, then a job's first status, then routine refreshes. A run result (a patch with
 * `lastRun`) is journaled (src/kube/result-journal.ts) before it is submitted and settled once
 * written, so it survives a shutdown, a kill or an API outage (replayed by result-replay.ts).
 */
import type { ObjectKey, StatusPatch } from '../api/job-reporting.ts';
import type { ResultJournal } from '../kube/result-journal.ts';
import type { SubmitOptions } from '../kube/status-writer.ts';
import type { Logger } from '../log/logger.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import type { JobState } from './job-state.ts';

/** Where status changes go to be written (src/kube/status-writer.ts). */
export interface StatusSink {
  submit(key: ObjectKey, patch: StatusPatch, options?: SubmitOptions): void;
  forget(key: ObjectKey): void;
}

export class JobStatusView {
  constructor(
    private readonly sink: StatusSink,
    private readonly results?: ResultJournal,
    private readonly logger?: Logger,
  ) {}

  /** Merge `patch` into the job's view and queue it for writing (`urgent`: a run start). */
  change(state: JobState, patch: StatusPatch, urgent = false): void {
    const first = state.status.conditions === undefined;
    state.status = applyMergePatch(state.status, patch);
    const key = { namespace: state.namespace, name: state.name };
    const record = patch.lastRun ?? undefined;
    const journal = this.results;
    if (record && journal) {
      const id = journal.add({ namespace: state.namespace, name: state.name, uid: state.uid, record });
      if (id === undefined)
        this.logger?.warn(
          { job: state.key, run: record.name },
          'result journal full: result kept in memory only',
        );
      const onDone = id === undefined ? undefined : () => journal.settle(id);
      this.sink.submit(key, patch, { urgent, priority: 'run', onDone });
      return;
    }
    const priority = urgent || record ? 'run' : first ? 'first' : 'routine';
    this.sink.submit(key, patch, { urgent, priority });
  }

  /** Merge and queue with explicit writer options (start-up replay of journaled results). */
  submit(state: JobState, patch: StatusPatch, options: SubmitOptions): void {
    state.status = applyMergePatch(state.status, patch);
    this.sink.submit({ namespace: state.namespace, name: state.name }, patch, options);
  }

  /** The job is gone or no longer ours: drop its pending writes. */
  forget(state: JobState): void {
    this.sink.forget({ namespace: state.namespace, name: state.name });
  }
}
