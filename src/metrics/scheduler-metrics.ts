/**
 * Scheduler metrics: how late runs start, what was missed or skipped, and what is due next.
 *
 * Cardinality: every label set is a closed enum except the two per-job families,
 * `ofelia_next_schedule_time_seconds{namespace,job}` and `ofelia_job_runs_total{namespace,job,result}`.
 * They are bounded by the number of jobs this replica schedules (times the nine results, of which a
 * job rarely sees more than two), and `forgetJob` removes a job's series when it is deleted, becomes
 * invalid or moves to another replica — the same trade-off kube-state-metrics makes for CronJobs.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SkipReason } from '../api/job-reporting.ts';
import { RUN_RESULTS, type RunResult } from '../api/schema.ts';

export class SchedulerMetrics {
  readonly scheduleLag: Histogram;
  readonly missedRuns: Counter;
  readonly skippedRuns: Counter<'reason'>;
  readonly nextScheduleTime: Gauge<'namespace' | 'job'>;
  readonly jobRuns: Counter<'namespace' | 'job' | 'result'>;
  readonly activeRuns: Gauge;
  readonly runsQueued: Gauge;
  readonly scheduledJobs: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.scheduleLag = new Histogram({
      name: 'ofelia_schedule_lag_seconds',
      help: 'Delay from the due time of a run (scheduled time plus jitter) to the call that starts it.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.missedRuns = new Counter({
      name: 'ofelia_missed_runs_total',
      help: 'Scheduled times that did not run (operator down, suspended, or past startingDeadlineSeconds).',
      registers,
    });
    this.skippedRuns = new Counter({
      name: 'ofelia_skipped_runs_total',
      help: 'Due runs that were not started, by reason (JobAlreadyActive, QueueFull, Superseded, Shutdown).',
      labelNames: ['reason'] as const,
      registers,
    });
    this.nextScheduleTime = new Gauge({
      name: 'ofelia_next_schedule_time_seconds',
      help: 'Next scheduled time of each job, in Unix seconds (one series per scheduled job; removed with the job).',
      labelNames: ['namespace', 'job'] as const,
      registers,
    });
    this.jobRuns = new Counter({
      name: 'ofelia_job_runs_total',
      help: 'Finished runs of each job by result (one series per job and seen result; removed with the job).',
      labelNames: ['namespace', 'job', 'result'] as const,
      registers,
    });
    this.activeRuns = new Gauge({
      name: 'ofelia_active_runs',
      help: "Runs in progress on this replica (run and exec, adopted ones included), from the dispatcher's start to the record.",
      registers,
    });
    this.runsQueued = new Gauge({
      name: 'ofelia_runs_queued',
      help: 'Due runs waiting for a free slot under the per-daemon concurrency limit.',
      registers,
    });
    this.scheduledJobs = new Gauge({
      name: 'ofelia_scheduled_jobs',
      help: 'Jobs armed in the timer wheel on this replica.',
      registers,
    });
  }

  /** A run of a job finished. */
  /** A due run deliberately not started. */
  runSkipped(reason: SkipReason): void {
    this.skippedRuns.inc({ reason });
  }

  jobRunFinished(namespace: string, job: string, result: RunResult): void {
    this.jobRuns.inc({ namespace, job, result });
  }

  /** Drop every per-job series of a job this replica no longer schedules. */
  forgetJob(namespace: string, job: string): void {
    this.nextScheduleTime.remove({ namespace, job });
    for (const result of RUN_RESULTS) this.jobRuns.remove({ namespace, job, result });
  }
}
