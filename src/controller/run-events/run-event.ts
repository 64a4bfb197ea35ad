/**
 * Run events: everything that happens to a job's runs, as one typed stream.
 *
 * The dispatcher publishes them (src/controller/dispatcher.ts); observers turn them into status,
 * Kubernetes Events, metrics, and — for features built on top — notifications, chained runs and
 * live views. An event says what happened, never what to do about it, and carries plain data
 * (times in epoch milliseconds) plus the job it concerns as a read-only `RunSubject`.
 *
 * Ordering: events of one job arrive in the order they happened (the dispatcher publishes
 * synchronously, see run-event-bus.ts). A run's events are Started|Adopted, then at most one
 * OutputAvailable, then exactly one Finished.
 */

import type { SkipReason } from '../../api/job-reporting.ts';
import type { RunRecord, RunResult, RunTrigger } from '../../api/schema.ts';
import type { OutputTails } from '../../runner/run-types.ts';
import type { UpstreamMarker } from '../fire-request.ts';
import type { KeptJob } from '../kept-job.ts';

/** The job an event is about, as observers may see it (JobState implements it). */
export interface RunSubject {
  /** `namespace/name`. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The validated spec (with defaults) and labels at the time of the event; undefined while invalid. */
  readonly job: KeptJob | undefined;
}

interface Base<S> {
  job: S;
  /** When the event happened (the dispatcher's clock). */
  atMs: number;
}

/** A due time reached the dispatcher and was claimed (before admission decides its fate). */
export interface RunScheduled<S> extends Base<S> {
  type: 'Scheduled';
  scheduledMs: number;
  /** When it was due (scheduled time + jitter, or a retry's time). */
  dueMs: number;
  trigger: RunTrigger;
  attempt: number;
}

/** A run was handed to the runner. */
export interface RunStarted<S> extends Base<S> {
  type: 'Started';
  run: string;
  scheduledMs: number;
  dueMs: number;
  trigger: RunTrigger;
  attempt: number;
  /** A Chained run: the upstream finish it stands for. */
  chain?: UpstreamMarker;
}

/** A container an earlier process started is followed as one of the job's runs. */
export interface RunAdopted<S> extends Base<S> {
  type: 'Adopted';
  run: string;
  containerId: string;
  scheduledMs: number;
  trigger: RunTrigger;
  attempt: number;
}

/** The run's container (or exec) started: its output is flowing. */
export interface RunOutputAvailable<S> extends Base<S> {
  type: 'OutputAvailable';
  run: string;
  containerId: string;
  startMs: number;
}

/** A run ended; `record` is what the status keeps of it. */
export interface RunFinished<S> extends Base<S> {
  type: 'Finished';
  record: RunRecord;
  trigger: RunTrigger;
  attempt: number;
  /**
   * `status.lastResult` just before this run's result: the previous finished run's result as the
   * job's status has it (this replica's view of it, current even while its writes are queued);
   * undefined when no run has finished yet.
   */
  previousResult: RunResult | undefined;
  /** The end of stdout and of stderr apart (the record's logTail interleaves them), when kept. */
  output?: OutputTails;
}

/** A failed run will be tried again: `attempt` starts at `retryAtMs`. */
export interface RunRetryScheduled<S> extends Base<S> {
  type: 'RetryScheduled';
  /** The run that failed. */
  run: string;
  scheduledMs: number;
  attempt: number;
  retryAtMs: number;
}

/** A scheduled time could no longer start within startingDeadlineSeconds. */
export interface RunMissed<S> extends Base<S> {
  type: 'Missed';
  scheduledMs: number;
  trigger: RunTrigger;
  chain?: UpstreamMarker;
}

/** A due run deliberately not started. */
export interface RunSkipped<S> extends Base<S> {
  type: 'Skipped';
  scheduledMs: number;
  trigger: RunTrigger;
  reason: SkipReason;
  message: string;
  chain?: UpstreamMarker;
}

export type RunEvent<S extends RunSubject = RunSubject> =
  | RunScheduled<S>
  | RunStarted<S>
  | RunAdopted<S>
  | RunOutputAvailable<S>
  | RunFinished<S>
  | RunRetryScheduled<S>
  | RunMissed<S>
  | RunSkipped<S>;

export type RunEventType = RunEvent['type'];

/**
 * Hears run events. Called synchronously on the dispatching path: it must return quickly and
 * never wait for I/O — queue the work (the status writer and event recorder do) or subscribe
 * through a `QueuedObserver`. A throw is caught, logged and counted; it never reaches the dispatcher.
 */
export interface RunObserver<S extends RunSubject = RunSubject> {
  /** A short name for logs and metrics (`status`, `events`, `metrics`, `notifier` ...). */
  readonly name: string;
  observe(event: RunEvent<S>): void;
}
