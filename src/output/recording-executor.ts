/**
 * Wraps the runner for the controller: every run (and adopted run) is opened in the output store
 * before its first line and closed with its outcome after its record.
 * In: the inner executor (the JobRunner, whose sink includes the store). Out: the inner record,
 * unchanged (where the run ran is stamped by the controller's status observer, for every run).
 * Never: changes a record, or fails a run because the store failed.
 */
import type { RunRecord } from '../api/schema.ts';
import type { RunHooks, RunRequest } from '../runner/run-types.ts';
import type { OutputStore } from './output-store.ts';

/**
 * What the controller runs runs with (the JobRunner's shape; the controller's RunExecutor is the
 * same, declared there — this folder sits below the controller and does not import it).
 */
export interface RunExecutor {
  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
  adopt(containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord>;
}

export class OutputRecordingExecutor implements RunExecutor {
  constructor(
    private readonly inner: RunExecutor,
    private readonly store: OutputStore | undefined,
  ) {}

  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.around(req, () => this.inner.run(req, signal, hooks));
  }

  adopt(containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.around(req, () => this.inner.adopt(containerId, req, signal, hooks));
  }

  private async around(req: RunRequest, body: () => Promise<RunRecord>): Promise<RunRecord> {
    this.store?.begin(req.identity);
    const record = await body();
    await this.store
      ?.end(
        req.identity,
        {
          result: record.result,
          exitCode: record.exitCode,
          finishTime: record.finishTime ?? new Date().toISOString(),
        },
        { succeeded: req.spec.successfulRunsHistoryLimit ?? 3, failed: req.spec.failedRunsHistoryLimit ?? 3 },
      )
      .catch(() => undefined);
    return record;
  }
}
