/**
 * Run events -> the scheduler metrics: schedule lag when a run starts (from when it was due),
 * runs by job and result when it ends, missed and skipped runs.
 */
import type { SchedulerMetrics } from '../../metrics/scheduler-metrics.ts';
import type { RunEvent, RunObserver } from '../run-events/run-event.ts';

export class RunMetricsObserver implements RunObserver {
  readonly name = 'metrics';

  constructor(private readonly metrics: SchedulerMetrics) {}

  observe(event: RunEvent): void {
    switch (event.type) {
      case 'Started':
        this.metrics.scheduleLag.observe(Math.max(0, event.atMs - event.dueMs) / 1000);
        return;
      case 'Finished':
        this.metrics.jobRunFinished(event.job.namespace, event.job.name, event.record.result);
        return;
      case 'Missed':
        this.metrics.missedRuns.inc();
        return;
      case 'Skipped':
        this.metrics.runSkipped(event.reason);
        return;
      default:
        return;
    }
  }
}
