/**
 * Run events -> Kubernetes Events on the job (what `kubectl describe sdj` shows):
 * SuccessfulCreate when a run starts, Adopted after a restart, one Event per result when it ends
 * (SawCompletedJob, RunCancelled, DeadlineExceeded, PolicyDenied, RunFailed), MissSchedule, and a
 * Warning named after the reason of a skip. Messages never carry secrets: only names, times,
 * results and the runner's reason.
 */
import type { RunRecord } from '../../api/schema.ts';
import { iso } from '../../util/iso-time.ts';
import type { JobEvents } from '../job-events.ts';
import type { RunEvent, RunObserver, RunSubject } from '../run-events/run-event.ts';

export class RunEventRecorder implements RunObserver {
  readonly name = 'events';

  constructor(private readonly events: JobEvents) {}

  observe(event: RunEvent): void {
    const { job } = event;
    switch (event.type) {
      case 'Started': {
        const how =
          event.trigger === 'Schedule'
            ? ''
            : ` (${event.trigger}${event.attempt > 1 ? `, attempt ${event.attempt}` : ''})`;
        this.events.record(job, 'Normal', 'SuccessfulCreate', `Started run ${event.run}${how}`);
        return;
      }
      case 'Adopted':
        this.events.record(
          job,
          'Normal',
          'Adopted',
          `Adopted run ${event.run} (container ${event.containerId.slice(0, 12)}) after a restart`,
        );
        return;
      case 'Finished':
        this.finished(job, event.record);
        return;
      case 'Missed':
        this.events.record(
          job,
          'Warning',
          'MissSchedule',
          `Missed scheduled time to start a run: ${iso(event.scheduledMs)} (past startingDeadlineSeconds)`,
        );
        return;
      case 'Skipped':
        this.events.record(
          job,
          'Warning',
          event.reason,
          `Not starting the run scheduled for ${iso(event.scheduledMs)}: ${event.message}`,
        );
        return;
      case 'Scheduled':
      case 'OutputAvailable':
      case 'RetryScheduled':
        return;
    }
  }

  private finished(job: RunSubject, record: RunRecord): void {
    const detail = [record.reason, record.message].filter(Boolean).join(': ');
    switch (record.result) {
      case 'Succeeded':
        this.events.record(
          job,
          'Normal',
          'SawCompletedJob',
          `Saw completed run: ${record.name}, result: Succeeded`,
        );
        return;
      case 'Cancelled':
        this.events.record(
          job,
          'Normal',
          'RunCancelled',
          `Run ${record.name} cancelled${detail ? `: ${detail}` : ''}`,
        );
        return;
      case 'DeadlineExceeded':
        this.events.record(
          job,
          'Warning',
          'DeadlineExceeded',
          `Run ${record.name} stopped: active deadline exceeded`,
        );
        return;
      case 'PolicyDenied':
        this.events.record(
          job,
          'Warning',
          'PolicyDenied',
          `Run ${record.name} refused by the operator policy: ${detail}`,
        );
        return;
      default:
        this.events.record(
          job,
          'Warning',
          'RunFailed',
          `Run ${record.name} ended with ${record.result}${detail ? `: ${detail}` : ''}`,
        );
    }
  }
}
