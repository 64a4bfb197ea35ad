/**
 * Run events -> a reconcile of the job whose run finished. Status-only changes (the echo of this
 * controller's own writes) are not reconciled when they come back through the watch (see
 * update-filter.ts), but some of the job's conditions follow its last run — Ready=False
 * PolicyDenied while the last run was refused for the current spec — so a finished run re-queues
 * its job once, here.
 */
import type { RunEvent, RunObserver } from '../run-events/run-event.ts';

export class RequeueOnFinishObserver implements RunObserver {
  readonly name = 'requeue';

  constructor(private readonly enqueue: (key: string) => void) {}

  observe(event: RunEvent): void {
    if (event.type === 'Finished') this.enqueue(event.job.key);
  }
}
