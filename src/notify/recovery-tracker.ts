/**
 * Whether each job's last finished run failed, to tell a `Recovered` (first success after
 * failures) from an ordinary `Succeeded`. In memory and bounded (oldest jobs forgotten first); a
 * job not seen since the start is seeded from the event's `previousResult` (the status'
 * `lastResult` before the run being reported, so a failure recorded by an earlier process counts).
 */
import type { RunEvent } from '../controller/run-events/run-event.ts';

export class RecoveryTracker {
  private readonly failed = new Map<string, boolean>();

  constructor(private readonly maxJobs = 100_000) {}

  /** For a Finished event: did the job's previous finished run fail? Records this one. */
  finished(event: Extract<RunEvent, { type: 'Finished' }>): boolean {
    const key = event.job.key;
    const seeded = event.previousResult;
    const previous = this.failed.has(key)
      ? (this.failed.get(key) as boolean)
      : seeded !== undefined && seeded !== 'Succeeded';
    this.failed.delete(key);
    this.failed.set(key, event.record.result !== 'Succeeded');
    while (this.failed.size > this.maxJobs) this.failed.delete(this.failed.keys().next().value as string);
    return previous;
  }
}
