/**
 * Everything one run's flow needs, gathered by JobRunner so the flows take one argument.
 */

import type { DaemonClient } from '../docker/daemon-client.ts';
import type { Logger } from '../log/logger.ts';
import type { RunMetrics } from '../metrics/run-metrics.ts';
import type { Clock } from '../util/clock.ts';
import type { StreamName } from './frame-parser.ts';
import { OutputCapture, STREAM_TAIL_BYTES } from './output-capture.ts';
import type { OutputSink } from './output-sink.ts';
import type { RunHooks, RunRequest } from './run-types.ts';
import type { SecretSource } from './secret-source.ts';

export interface RunContext {
  daemon: DaemonClient;
  /** The operator instance: labelled on (and digested into the name of) every container created. */
  instance: string;
  req: RunRequest;
  signal: AbortSignal;
  hooks: RunHooks | undefined;
  secrets: SecretSource;
  sink: OutputSink;
  clock: Clock;
  log: Logger;
  metrics: RunMetrics | undefined;
  tailBytes: number;
  maxLineChars: number;
  drainGraceMs: number;
  killGraceMs: number;
  /** The run's capture, once newCapture made it (the runner hands its stream tails to the hooks). */
  capture?: OutputCapture;
}

export function newCapture(ctx: RunContext, multiplexed: boolean): OutputCapture {
  const onOutputLine = ctx.hooks?.onOutputLine;
  ctx.capture = new OutputCapture({
    run: ctx.req.identity,
    sink: ctx.sink,
    multiplexed,
    tailBytes: ctx.tailBytes,
    streamTailBytes: ctx.hooks?.onOutputTails ? STREAM_TAIL_BYTES : 0,
    maxLineChars: ctx.maxLineChars,
    onLine: onOutputLine
      ? (stream: StreamName, line: string) => {
          try {
            onOutputLine(stream, line);
          } catch (e) {
            ctx.log.warn({ err: (e as Error).message }, 'output hook failed');
          }
        }
      : undefined,
  });
  return ctx.capture;
}

/** Hands the capture's per-stream tails to the hook; a throwing hook is logged, never allowed to break the run. */
export function notifyOutputTails(ctx: RunContext): void {
  const tails = ctx.capture?.streamTails();
  if (!tails) return;
  try {
    ctx.hooks?.onOutputTails?.(tails);
  } catch (e) {
    ctx.log.warn({ err: (e as Error).message }, 'output tails hook failed');
  }
}

/** Calls the onStarted hook; a throwing hook is logged, never allowed to break the run. */
export function notifyStarted(ctx: RunContext, containerId: string, startTime: number): void {
  try {
    ctx.hooks?.onStarted?.({ containerId, startTime });
  } catch (e) {
    ctx.log.warn({ err: (e as Error).message }, 'started hook failed');
  }
}

/** Adds a finished capture's byte counts to the metrics. */
export function countOutput(ctx: RunContext, capture: OutputCapture): void {
  if (!ctx.metrics) return;
  if (capture.bytes.stdout) ctx.metrics.outputBytes.inc({ stream: 'stdout' }, capture.bytes.stdout);
  if (capture.bytes.stderr) ctx.metrics.outputBytes.inc({ stream: 'stderr' }, capture.bytes.stderr);
}
