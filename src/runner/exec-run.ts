/**
 * The `exec` flow: a command in a running container. A missing or stopped container is the
 * result ContainerNotFound, never a crash.
 *
 * Deadline and cancellation: the Engine API has no way to signal an exec'd process (and its PID
 * from exec inspect lives in the host's PID namespace, which the operator may not share, so
 * signalling it could hit an unrelated process). The runner therefore stops waiting, closes the
 * output stream and reports DeadlineExceeded or Cancelled with a message saying the command may
 * still be running; the exit code is filled in if the command had already finished.
 */

import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { ExecSpec } from '../api/schema.ts';
import type { ExecInspect } from '../docker/engine-types.ts';
import { isConflict, isNotFound } from '../docker/errors.ts';
import { sleep } from './clock-sleep.ts';
import { resolveEnv } from './env.ts';
import type { ContainerFacts } from './policy/facts.ts';
import { countOutput, newCapture, notifyStarted, type RunContext } from './run-context.ts';
import { RunFailure } from './run-failure.ts';
import type { RunOutcome } from './run-types.ts';

const EXIT_CODE_POLLS = 40;
const EXIT_CODE_POLL_MS = 50;

/** Runs the exec in `target`, the container the policy looked up and allowed (by id from here on). */
export async function runExec(ctx: RunContext, spec: ExecSpec, target: ContainerFacts): Promise<RunOutcome> {
  const { daemon } = ctx;
  if (ctx.signal.aborted) throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the exec started');
  const env = await resolveEnv(spec.env, ctx.req.identity.namespace, ctx.secrets, 'spec.exec.env');

  if (!target.running) {
    throw new RunFailure(
      'ContainerNotFound',
      'ContainerNotRunning',
      `container ${spec.container} is ${target.status}, not running`,
      { containerId: target.id },
    );
  }

  let exec: Docker.Exec;
  try {
    const container = daemon.docker.getContainer(target.id);
    exec = await daemon.call('exec.create', () =>
      container.exec({
        Cmd: spec.command,
        AttachStdout: true,
        AttachStderr: true,
        Tty: spec.tty ?? false,
        Env: env.length ? env : undefined,
        User: spec.user,
        WorkingDir: spec.workingDir,
        Privileged: spec.privileged ?? false,
      }),
    );
  } catch (e) {
    if (isNotFound(e)) throw new RunFailure('ContainerNotFound', 'ContainerNotFound', e.message);
    if (isConflict(e))
      throw new RunFailure('ContainerNotFound', 'ContainerNotRunning', e.message, { containerId: target.id });
    throw e;
  }

  const capture = newCapture(ctx, !(spec.tty ?? false));
  const streamAbort = new AbortController();
  // A stream: guarded while it opens, then on the stream agent until the output ends.
  const res = (await daemon.call('exec.start', () =>
    exec.start({ Detach: false, Tty: spec.tty ?? false, abortSignal: streamAbort.signal }),
  )) as unknown as Readable;
  const startTime = ctx.clock.now();
  notifyStarted(ctx, target.id, startTime);

  let stoppedFor: 'deadline' | 'cancel' | undefined;
  const stop = (why: 'deadline' | 'cancel'): void => {
    if (stoppedFor) return;
    stoppedFor = why;
    streamAbort.abort();
  };
  const deadline = ctx.req.spec.activeDeadlineSeconds;
  const deadlineTimer =
    deadline !== undefined ? ctx.clock.setTimeout(() => stop('deadline'), deadline * 1000) : undefined;
  const onAbort = (): void => stop('cancel');
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });

  let streamError: Error | undefined;
  res.once('error', (e: Error) => {
    streamError = e;
  });
  await capture.consume(res);
  if (deadlineTimer !== undefined) ctx.clock.clearTimeout(deadlineTimer);
  ctx.signal.removeEventListener('abort', onAbort);
  capture.end();
  countOutput(ctx, capture);
  if (capture.droppedLines > 0) {
    ctx.log.warn(
      { containerId: target.id, droppedLines: capture.droppedLines },
      'run output lines dropped by the sink',
    );
  }

  let exitCode: number | undefined;
  let running = false;
  try {
    // The daemon records an exec's exit code just after its output closes: ask a few times.
    for (let i = 0; i < EXIT_CODE_POLLS; i++) {
      const info = (await daemon.call('exec.inspect', () => exec.inspect())) as ExecInspect;
      running = info.Running;
      exitCode = info.ExitCode ?? undefined;
      if (!running || stoppedFor) break;
      await sleep(ctx.clock, EXIT_CODE_POLL_MS).promise;
    }
  } catch (e) {
    if (!stoppedFor) throw e;
  }
  const base = {
    containerId: target.id,
    startTime,
    logTail: capture.tailText(),
    exitCode: running ? undefined : exitCode,
  };
  if (stoppedFor) {
    const still = running
      ? '; the command may still be running in the container (the Docker API cannot stop an exec)'
      : '';
    return stoppedFor === 'deadline'
      ? {
          ...base,
          result: 'DeadlineExceeded',
          reason: 'DeadlineExceeded',
          message: `stopped waiting after activeDeadlineSeconds=${deadline}${still}`,
        }
      : { ...base, result: 'Cancelled', reason: 'Cancelled', message: `run cancelled${still}` };
  }
  if (streamError && running) {
    return {
      ...base,
      result: 'DaemonUnavailable',
      reason: 'LostExec',
      message: `exec output stream failed: ${streamError.message}`,
    };
  }
  if (exitCode === 0) return { ...base, result: 'Succeeded', reason: 'Completed' };
  return { ...base, result: 'Failed', reason: 'NonZeroExitCode', message: `exited with code ${exitCode}` };
}
