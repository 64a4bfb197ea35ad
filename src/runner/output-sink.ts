/**
 * Where a run's full output goes, line by line, as it is produced. The runner never holds the
 * output: each line is handed to the sink and dropped (only a bounded tail is kept for the record).
 * A sink must not block; one that buffers (an asynchronous log destination) bounds itself.
 */
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { Logger } from '../log/logger.ts';
import type { StreamName } from './frame-parser.ts';

export interface OutputSink {
  line(run: RunIdentity, stream: StreamName, line: string): void;
}

/** The default sink: one pino record per line, at info, with { namespace, job, run, stream }. */
export class LoggerOutputSink implements OutputSink {
  constructor(private readonly log: Logger) {}

  line(run: RunIdentity, stream: StreamName, line: string): void {
    this.log.info(
      { namespace: run.namespace, job: run.jobName, run: runName(run), stream, line },
      'run output',
    );
  }
}

/** A sink that drops every line (the tail in the record is still kept). */
export const discardSink: OutputSink = { line() {} };
