/**
 * Follows a started container to its end: streams its output into the capture, waits for its
 * exit, and enforces the run's deadline and cancellation the way `docker stop` does (the stop
 * signal, then SIGKILL after stopTimeoutSeconds). Used by a fresh run, by an adoption after a
 * restart, and when a create finds the run's container already there.
 *
 * Output: a fresh run hands in the container's attach stream (opened before start, see
 * container-run.ts), which carries everything from the first byte and ends when the container's
 * output closes. Without one (adoption: attach cannot replay the past) it follows `logs`, which
 * Docker 20.10 may end early after the exit when the reader is behind; the result says whether the
 * output is known complete (`outputComplete`), so the caller can repair the record's tail.
 *
 * It never throws for the container's own behaviour; it reports: how it ended (`exitCode`), whether
 * the operator stopped it and why, or that the daemon was lost while waiting.
 */

import type { Readable } from 'node:stream';
import type { DaemonClient } from '../docker/daemon-client.ts';
import type { WaitResult } from '../docker/engine-types.ts';
import { isConflict, isNotFound } from '../docker/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { sleep } from './clock-sleep.ts';
import type { OutputCapture } from './output-capture.ts';

export interface SuperviseOptions {
  daemon: DaemonClient;
  containerId: string;
  capture: OutputCapture;
  clock: Clock;
  log: Logger;
  signal: AbortSignal;
  /** Epoch ms when the container started (the deadline counts from here). */
  startTime: number;
  activeDeadlineSeconds: number | undefined;
  stopSignal: string;
  stopTimeoutSeconds: number;
  /** The container's attach stream, already being read into the capture; else `logs` is followed. */
  attached?: OutputFollow;
  /** Following `logs`: only the last N lines of output already produced (adoption); default: all. */
  logsTail?: number;
  /** How long to keep reading output after the exit (default 5 s). */
  drainGraceMs?: number;
  /** How long to wait for the exit after SIGKILL before giving up (default 30 s). */
  killGraceMs?: number;
}

export interface SupervisedExit {
  /** Set when the operator stopped the container. */
  stoppedFor?: 'deadline' | 'cancel';
  /** SIGKILL was sent (the stop signal was not enough in time). */
  killed: boolean;
  /** Exit code from the daemon; undefined when the wait did not complete. */
  exitCode?: number;
  /** The wait failed (daemon lost) or was given up after SIGKILL. */
  waitError?: Error;
  /** The daemon reported the container was killed for memory. */
  oomKilled?: boolean;
  /**
   * The output came from an attach stream that ended by itself (the daemon closes it once the
   * container's output is closed, having copied every byte): the capture holds the real end.
   * False when it was `logs` (possibly cut short), or the stream failed, or it was given up.
   */
  outputComplete: boolean;
}

/** An output stream being read into a capture. */
export interface OutputFollow {
  /** Resolves when the stream is over: true when it ended cleanly (not failed, cut or stopped). */
  done: Promise<boolean>;
  /** Stops reading (closes the stream). */
  stop(): void;
}

/** Reads `stream` into `capture` until it is over; `abort` closes it. */
export function followOutput(capture: OutputCapture, stream: Readable, abort: AbortController): OutputFollow {
  let ended = false;
  // Registered before consume()'s own listeners, so `ended` is set when `done` resolves.
  stream.once('end', () => {
    ended = true;
  });
  return { done: capture.consume(stream).then(() => ended), stop: () => abort.abort() };
}

export async function superviseContainer(o: SuperviseOptions): Promise<SupervisedExit> {
  const { daemon, containerId: id, clock, log } = o;
  const container = daemon.docker.getContainer(id);
  const waitAbort = new AbortController();
  const timers: TimerHandle[] = [];
  const out: SupervisedExit = { killed: false, outputComplete: false };
  let exited = false;

  const later = (ms: number, fn: () => void): void => {
    timers.push(clock.setTimeout(fn, ms));
  };
  const ignoreGone = (e: unknown): boolean => isConflict(e) || isNotFound(e);

  const kill = (): void => {
    if (exited) return;
    out.killed = true;
    daemon
      .call('container.kill', () => container.kill({ signal: 'SIGKILL' }))
      .then(
        () => {
          later(o.killGraceMs ?? 30_000, () => {
            if (!exited) waitAbort.abort(new Error('container did not exit after SIGKILL'));
          });
        },
        (e) => {
          if (ignoreGone(e)) out.killed = false;
          else log.warn({ containerId: id, err: (e as Error).message }, 'container kill failed');
        },
      );
  };

  const stop = (why: 'deadline' | 'cancel'): void => {
    if (out.stoppedFor || exited) return;
    out.stoppedFor = why;
    log.info({ containerId: id, why, signal: o.stopSignal }, 'stopping container');
    daemon
      .call('container.kill', () => container.kill({ signal: o.stopSignal }))
      .then(
        () => later(o.stopTimeoutSeconds * 1000, kill),
        (e) => {
          // Not running any more: it ended on its own, and its own exit code tells how.
          if (ignoreGone(e)) {
            out.stoppedFor = undefined;
            return;
          }
          log.warn({ containerId: id, err: (e as Error).message }, 'container stop signal failed');
          kill();
        },
      );
  };

  if (o.activeDeadlineSeconds !== undefined) {
    const left = o.startTime + o.activeDeadlineSeconds * 1000 - clock.now();
    if (left <= 0) stop('deadline');
    else later(left, () => stop('deadline'));
  }
  const onAbort = (): void => stop('cancel');
  if (o.signal.aborted) onAbort();
  else o.signal.addEventListener('abort', onAbort, { once: true });

  const output = o.attached ?? (await followLogs(o));
  try {
    // Not guarded: it lasts the container's life (stream agent, bounded by waitAbort).
    const r = (await container.wait({
      condition: 'not-running',
      abortSignal: waitAbort.signal,
    })) as WaitResult;
    out.exitCode = r.StatusCode;
  } catch (e) {
    out.waitError = waitAbort.signal.aborted ? (waitAbort.signal.reason as Error) : (e as Error);
  }
  exited = true;
  for (const t of timers) clock.clearTimeout(t);
  o.signal.removeEventListener('abort', onAbort);

  // The attach stream ends by itself once the container's output is closed; bound the wait anyway.
  const grace = sleep(clock, out.waitError ? 0 : (o.drainGraceMs ?? 5_000));
  const ended = await Promise.race([output?.done ?? false, grace.promise.then(() => false)]);
  grace.cancel();
  output?.stop();
  out.outputComplete = o.attached !== undefined && ended && !out.waitError;
  o.capture.end();
  if (o.capture.droppedLines > 0) {
    log.warn(
      { containerId: id, droppedLines: o.capture.droppedLines },
      'run output lines dropped by the sink',
    );
  }

  if (out.exitCode !== undefined && out.exitCode !== 0 && !out.stoppedFor) {
    try {
      const info = await daemon.call('container.inspect', () => container.inspect());
      out.oomKilled = info.State.OOMKilled === true;
    } catch {
      // best effort: the exit code alone still tells the run failed
    }
  }
  return out;
}

/** Follows the container's `logs` into the capture (adoption); undefined when they cannot be read. */
async function followLogs(o: SuperviseOptions): Promise<OutputFollow | undefined> {
  const abort = new AbortController();
  try {
    const res = await o.daemon.call('container.logs', () =>
      o.daemon.docker.getContainer(o.containerId).logs({
        follow: true,
        stdout: true,
        stderr: true,
        tail: o.logsTail,
        abortSignal: abort.signal,
      }),
    );
    return followOutput(o.capture, res as Readable, abort);
  } catch (e) {
    o.log.warn({ containerId: o.containerId, err: (e as Error).message }, 'container output unavailable');
    return undefined;
  }
}
