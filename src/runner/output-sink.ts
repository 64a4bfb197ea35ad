/**
 * Where a run's full output goes, line by line, as it is produced. The runner never holds the
 * output: each line is handed to the sink and dropped (only a bounded tail is kept for the record).
 *
 * Backpressure: the runner never pauses the output stream for a sink. Docker 20.10 ends a
 * `logs?follow=1` stream soon after the container exits even when the reader is behind (measured:
 * a 5 MB run read 4 s late delivered 1.2 MB), so pausing would lose the end of the output and make
 * the record's tail wrong. Instead a sink must not block and must bound what it buffers: over its
 * bound it drops the line and returns `false`, and the runner counts the drops per run.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { Logger } from '../log/logger.ts';
import type { StreamName } from './frame-parser.ts';

export interface OutputSink {
  /** Takes one line; returns `false` when it dropped the line (over its bound). */
  // biome-ignore lint/suspicious/noConfusingVoidType: sinks that never drop just return nothing
  line(run: RunIdentity, stream: StreamName, line: string): boolean | void;
}

/** Unwritten bytes the logger's destination may hold before run output lines are dropped. */
export const DEFAULT_SINK_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * What LoggerOutputSink reads from pino's asynchronous destination (sonic-boom): the bytes it holds
 * unwritten (`_len`, not part of its typed API, so checked at run time).
 */
interface BufferedDestination extends EventEmitter {
  _len: number;
}

function bufferedDestination(log: Logger): BufferedDestination | undefined {
  const dest = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  if (dest instanceof EventEmitter && typeof (dest as Partial<BufferedDestination>)._len === 'number')
    return dest as BufferedDestination;
  return undefined;
}

export interface LoggerOutputSinkOptions {
  maxBufferedBytes?: number;
}

/**
 * The default sink: one pino record per line, at info, `{ namespace, job, run, stream, line }`,
 * message `run output`. The run's fields are bound once per run (a child logger, kept while the
 * run's identity object lives), so a line costs one small object, not a run name and five fields.
 * pino's asynchronous destination (sonic-boom) buffers without limit when its fd is slow; over
 * `maxBufferedBytes` unwritten there this sink drops run output lines (counted in `droppedLines`,
 * one warning per episode) instead of growing the operator's memory. A synchronous destination
 * never holds bytes, so it never drops.
 */
export class LoggerOutputSink implements OutputSink {
  droppedLines = 0;
  private readonly runLogs = new WeakMap<RunIdentity, Logger>();
  private readonly dest: BufferedDestination | undefined;
  private readonly maxBufferedBytes: number;
  private dropping = false;

  constructor(
    private readonly log: Logger,
    opts: LoggerOutputSinkOptions = {},
  ) {
    this.dest = bufferedDestination(log);
    this.maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_SINK_MAX_BUFFERED_BYTES;
  }

  line(run: RunIdentity, stream: StreamName, line: string): boolean {
    const held = this.dest?._len ?? 0;
    if (held > this.maxBufferedBytes) {
      this.droppedLines++;
      if (!this.dropping) {
        this.dropping = true;
        this.log.warn(
          { heldBytes: held, droppedLines: this.droppedLines },
          'run output dropped: log destination full',
        );
      }
      return false;
    }
    this.dropping = false;
    let runLog = this.runLogs.get(run);
    if (!runLog) {
      runLog = this.log.child({
        namespace: run.namespace,
        job: run.jobName,
        run: runName(run),
        scheduledTime: new Date(run.scheduledTime).toISOString(),
      });
      this.runLogs.set(run, runLog);
    }
    runLog.info({ stream, line }, 'run output');
    return true;
  }
}

/** A sink that drops every line (the tail in the record is still kept). */
export const discardSink: OutputSink = { line() {} };
