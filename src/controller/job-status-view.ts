/**
 * A job's status as this replica will have written it: every change is merged into the job's
 * in-memory view at once (decisions read it) and handed to the status writer, which coalesces and
 * rate-limits the API writes. This replica is the only writer of an owned job's status, so the view
 * is authoritative. Shared by the reconciler and the run-status observer.
 */
import type { ObjectKey, StatusPatch } from '../api/job-reporting.ts';
import { applyMergePatch } from '../util/merge-patch.ts';
import type { JobState } from './job-state.ts';

/** Where status changes go to be written (src/kube/status-writer.ts). */
export interface StatusSink {
  submit(key: ObjectKey, patch: StatusPatch, options?: { urgent?: boolean }): void;
  forget(key: ObjectKey): void;
}

export class JobStatusView {
  constructor(private readonly sink: StatusSink) {}

  /** Merge `patch` into the job's view and queue it for writing (`urgent` jumps the rate limit). */
  change(state: JobState, patch: StatusPatch, urgent = false): void {
    state.status = applyMergePatch(state.status, patch);
    this.sink.submit({ namespace: state.namespace, name: state.name }, patch, { urgent });
  }

  /** The job is gone or no longer ours: drop its pending writes. */
  forget(state: JobState): void {
    this.sink.forget({ namespace: state.namespace, name: state.name });
  }
}
