/**
 * Kubernetes Events about a job, addressed to the ScheduledDockerJob object. Shared by the
 * reconciler (validation, triggers) and the run-event observer (what happened to runs); the
 * recorder behind it aggregates repeats and bounds its queue (src/kube/event-recorder.ts).
 */
import type { EventTarget, EventType } from '../api/job-reporting.ts';
import type { RunSubject } from './run-events/run-event.ts';

/** Where Events go to be written (src/kube/event-recorder.ts). */
export interface EventSink {
  record(target: EventTarget, type: EventType, reason: string, message: string): void;
}

export class JobEvents {
  constructor(private readonly sink: EventSink) {}

  record(job: RunSubject, type: EventType, reason: string, message: string): void {
    this.sink.record(
      {
        apiVersion: 'ofelia.dev/v1alpha1',
        kind: 'ScheduledDockerJob',
        namespace: job.namespace,
        name: job.name,
        uid: job.uid,
      },
      type,
      reason,
      message,
    );
  }
}
