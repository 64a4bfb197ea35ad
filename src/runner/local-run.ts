/**
 * The `local` flow (Ofelia's job-local): a program run by the operator process itself, on its
 * host or in its container. This is host access, so JobRunner only gets here when the operator was
 * started with --allow-local-jobs (see policy-host-access.ts).
 *
 * No shell: `command[0]` is executed with the rest as arguments. The environment is the job's
 * (`envFrom` ConfigMaps/Secrets, then `env`) plus PATH, never the operator's own (which may hold
 * tokens). The process runs in its own process group; a deadline or a cancellation sends SIGTERM
 * to the group, then SIGKILL after 10 s. Output goes through the same bounded capture as a
 * container's (stdout and stderr kept apart), so sinks, hooks and the record's tail work alike.
 */
import { spawn } from 'node:child_process';
import type { LocalSpec } from '../api/schema.ts';
import { resolveEnv } from './env.ts';
import { resolveEnvFrom } from './env-from.ts';
import { countOutput, newCapture, notifyStarted, type RunContext } from './run-context.ts';
import { RunFailure } from './run-failure.ts';
import type { RunOutcome } from './run-types.ts';

/** Seconds between SIGTERM and SIGKILL of a local job's process group. */
export const LOCAL_STOP_TIMEOUT_SECONDS = 10;
/** Where local jobs look for programs when the operator has no PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** One frame of Docker's multiplexed stream format, so the capture keeps stdout and stderr apart. */
function frame(stream: 1 | 2, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export async function runLocal(
  ctx: RunContext,
  spec: LocalSpec,
  path: string | undefined,
): Promise<RunOutcome> {
  if (ctx.signal.aborted) throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the start');
  const ns = ctx.req.identity.namespace;
  const env: Record<string, string> = { PATH: path || DEFAULT_PATH };
  const pairs = [
    ...(await resolveEnvFrom(spec.envFrom, ns, ctx.secrets, undefined, 'spec.local.envFrom')),
    ...(await resolveEnv(spec.env, ns, ctx.secrets, 'spec.local.env')),
  ];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const capture = newCapture(ctx, true);
  const [program, ...args] = spec.command;
  const child = spawn(program!, args, {
    cwd: spec.workingDir,
    env,
    detached: true, // its own process group, so a stop reaches what it started too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const startTime = ctx.clock.now();
  let stoppedFor: 'deadline' | 'cancel' | undefined;
  let killTimer: ReturnType<RunContext['clock']['setTimeout']> | undefined;
  const stop = (why: 'deadline' | 'cancel'): void => {
    if (stoppedFor || child.exitCode !== null || child.pid === undefined) return;
    stoppedFor = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = ctx.clock.setTimeout(
      () => signalGroup(child.pid!, 'SIGKILL'),
      LOCAL_STOP_TIMEOUT_SECONDS * 1000,
    );
  };
  const onAbort = (): void => stop('cancel');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const deadlineSeconds = ctx.req.spec.activeDeadlineSeconds;
  const deadline =
    deadlineSeconds !== undefined
      ? ctx.clock.setTimeout(() => stop('deadline'), deadlineSeconds * 1000)
      : undefined;
  child.stdout.on('data', (chunk: Buffer) => capture.push(frame(1, chunk)));
  child.stderr.on('data', (chunk: Buffer) => capture.push(frame(2, chunk)));
  let exit: { code: number | null; signal: NodeJS.Signals | null; error?: Error };
  try {
    exit = await new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('spawn', () => notifyStarted(ctx, `local:${child.pid}`, startTime));
      // 'close' comes after both output pipes are drained.
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (deadline) ctx.clock.clearTimeout(deadline);
    if (killTimer) ctx.clock.clearTimeout(killTimer);
  }
  capture.end();
  countOutput(ctx, capture);
  const base = { startTime, logTail: capture.tailText() };
  if (exit.error) {
    return {
      ...base,
      result: 'Failed',
      reason: 'CommandCannotRun',
      message: `spec.local.command: ${exit.error.message}`,
    };
  }
  const exitCode = exit.code ?? 128 + signalNumber(exit.signal);
  if (stoppedFor === 'deadline') {
    return {
      ...base,
      exitCode,
      result: 'DeadlineExceeded',
      reason: 'DeadlineExceeded',
      message: `stopped after activeDeadlineSeconds=${deadlineSeconds}`,
    };
  }
  if (stoppedFor === 'cancel')
    return { ...base, exitCode, result: 'Cancelled', reason: 'Cancelled', message: 'run cancelled' };
  if (exitCode === 0) return { ...base, exitCode, result: 'Succeeded', reason: 'Completed' };
  return {
    ...base,
    exitCode,
    result: 'Failed',
    reason: 'NonZeroExitCode',
    message: exit.signal ? `killed by ${exit.signal}` : `exited with code ${exitCode}`,
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && SIGNAL_NUMBERS[signal]) ?? 1;
}
