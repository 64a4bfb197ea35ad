/**
 * The `run` flow: image (per pullPolicy, with credentials), create under the run's deterministic
 * name (a 409 means the run already exists: adopt it), attach to its output, start, supervise,
 * remove per policy. Also `continueContainer`, which finishes a run whose container already exists
 * (adoption).
 *
 * Output, as `docker run` does it: attach (stdout + stderr, stream) after create and before start,
 * so the stream holds everything from the first byte; the daemon blocks the container's writes
 * while the reader is behind rather than dropping, and closes the stream once the output is
 * closed. An adopted running container is followed with `logs` (attach cannot replay the past).
 * Safety net: whenever the output is not known complete (logs followed, attach failed or cut), the
 * record's tail is re-read from a non-following `logs?tail=` after the exit.
 */

import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { containerName, LABELS } from '../api/run-identity.ts';
import type { RunSpec, StartSpec } from '../api/schema.ts';
import { createOptions } from '../docker/daemon-client.ts';
import type { ContainerInspect, RegistryAuth } from '../docker/engine-types.ts';
import { DockerApiError, DockerTimeoutError, isConflict, isNotFound } from '../docker/errors.ts';
import { parseImageRef } from '../docker/image-ref.ts';
import { containerCreateBody } from './container-spec.ts';
import {
  followOutput,
  type OutputFollow,
  type SupervisedExit,
  superviseContainer,
} from './container-supervisor.ts';
import { resolveEnv } from './env.ts';
import { resolveEnvFrom } from './env-from.ts';
import { awaitLateCreate, awaitLateStart, type StateBefore } from './late-answer.ts';
import { OutputCapture } from './output-capture.ts';
import { resolvePullAuth } from './registry-auth.ts';
import { QuantityError } from './resources.ts';
import { countOutput, newCapture, notifyStarted, type RunContext } from './run-context.ts';
import { RunFailure } from './run-failure.ts';
import type { RunOutcome } from './run-types.ts';

/** Lines of earlier output replayed when adopting a running container after a restart. */
export const ADOPT_LOG_LINES = 100;
/**
 * Log entries re-read to repair the record's tail when the stream may have missed the end. The
 * json-file driver splits lines at 16 KiB, so the answer is at most ~4 MiB (the transport refuses
 * more than 32 MiB); with short lines it may hold less than the tail's bytes, but always the end.
 */
export const REPAIR_LOG_LINES = 256;

/** What the supervision and clean-up of a container read from its spec. */
export type ContainerHandling = Pick<RunSpec, 'remove' | 'tty' | 'stopSignal' | 'stopTimeoutSeconds'> & {
  /** The container is the user's (start flow): never removed, whatever happens. */
  userOwned?: boolean;
};

/**
 * The `start` flow (Ofelia's job-run with a container and no image): an existing container that
 * is not running is started, followed and waited for, like `docker start -a`. It belongs to the
 * user, so it is never removed; one that is already running is a failed run, not a second start.
 */
export async function startExistingContainer(ctx: RunContext, spec: StartSpec): Promise<RunOutcome> {
  if (ctx.signal.aborted) throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the start');
  let info: ContainerInspect;
  try {
    info = await inspectContainer(ctx, spec.container);
  } catch (e) {
    if (isNotFound(e)) throw new RunFailure('ContainerNotFound', 'ContainerNotFound', e.message);
    throw e;
  }
  const state = info.State;
  if (state.Running || state.Status === 'paused' || state.Status === 'restarting') {
    throw new RunFailure(
      'Failed',
      'ContainerAlreadyRunning',
      `spec.start.container: container ${spec.container} is ${state.Status}; it is started only when stopped`,
      { containerId: info.Id },
    );
  }
  const handling: ContainerHandling = {
    remove: 'Never',
    userOwned: true,
    tty: info.Config.Tty ?? false,
    stopSignal: 'SIGTERM',
    stopTimeoutSeconds: 10,
  };
  return startAndSupervise(ctx, handling, info.Id, { startedAt: state.StartedAt, error: state.Error });
}

export async function runContainer(ctx: RunContext, spec: RunSpec): Promise<RunOutcome> {
  const { daemon, req } = ctx;
  const ns = req.identity.namespace;
  if (ctx.signal.aborted)
    throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the container was created');
  const env = [
    ...(await resolveEnvFrom(spec.envFrom, ns, ctx.secrets, daemon, 'spec.run.envFrom')),
    ...(await resolveEnv(spec.env, ns, ctx.secrets, 'spec.run.env')),
  ];
  let body: ReturnType<typeof containerCreateBody>;
  try {
    body = containerCreateBody(spec, req.identity, req.trigger, env, ctx.instance);
  } catch (e) {
    if (e instanceof QuantityError) throw new RunFailure('Error', 'InvalidSpec', e.message);
    throw e;
  }
  await ensureImage(ctx, spec);
  if (ctx.signal.aborted)
    throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the container was created');

  const name = containerName(req.identity, ctx.instance);
  let id: string;
  try {
    id = (
      await daemon.call('container.create', () => daemon.docker.createContainer(createOptions(name, body)))
    ).id;
  } catch (e) {
    // Created after the answer timed out (a busy daemon): the run's name shows it, once it exists.
    const late =
      e instanceof DockerTimeoutError && !ctx.signal.aborted ? await awaitLateCreate(ctx, name) : undefined;
    if (isConflict(e) || late) {
      // The run's container already exists (a restart mid-run, or a second replica, or a create
      // that answered late): adopt it.
      const existing = late ?? (await inspectContainer(ctx, name));
      const owner = existing.Config.Labels?.[LABELS.instance];
      if (owner !== ctx.instance) {
        // The name holds a digest of the instance, so only a hand-made container gets here.
        throw new RunFailure(
          'Error',
          'ContainerNameConflict',
          `container ${name} exists but belongs to ${owner ? `operator instance "${owner}"` : 'no operator instance'}`,
        );
      }
      ctx.log.info({ container: name }, 'run container already exists, adopting it');
      return continueContainer(ctx, spec, existing);
    }
    if (isNotFound(e)) throw new RunFailure('ImagePullFailed', 'ImageNotPresent', e.message);
    throw e;
  }
  return startAndSupervise(ctx, spec, id, {});
}

/** Finishes a run whose container exists: running -> supervise; created -> start; exited -> record. */
export async function continueContainer(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  info: ContainerInspect,
): Promise<RunOutcome> {
  const state = info.State;
  if (state.Status === 'created')
    return startAndSupervise(ctx, spec, info.Id, { startedAt: state.StartedAt, error: state.Error });
  const multiplexed = !info.Config.Tty;
  const capture = newCapture(ctx, multiplexed);
  const startTime = parseTime(state.StartedAt) ?? ctx.clock.now();
  if (state.Running || state.Status === 'paused' || state.Status === 'restarting') {
    notifyStarted(ctx, info.Id, startTime);
    const exit = await superviseContainer({
      ...superviseOptions(ctx, spec, info.Id, capture, startTime),
      logsTail: ADOPT_LOG_LINES,
    });
    return finish(ctx, spec, info.Id, startTime, capture, exit, multiplexed);
  }
  // Already exited: its output and exit code are all there is to collect.
  try {
    const container = ctx.daemon.docker.getContainer(info.Id);
    // Not following: dockerode answers with the output's bytes.
    const output = await ctx.daemon.call('container.logs', () =>
      container.logs({ follow: false, stdout: true, stderr: true, tail: ADOPT_LOG_LINES }),
    );
    capture.push(output);
  } catch (e) {
    ctx.log.warn({ containerId: info.Id, err: (e as Error).message }, 'container output unavailable');
  }
  capture.end();
  return finish(
    ctx,
    spec,
    info.Id,
    startTime,
    capture,
    // Read whole without following: nothing to repair.
    { killed: false, exitCode: state.ExitCode, oomKilled: state.OOMKilled === true, outputComplete: true },
    multiplexed,
  );
}

async function startAndSupervise(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  id: string,
  before: StateBefore,
): Promise<RunOutcome> {
  const multiplexed = !(spec?.tty ?? false);
  const capture = newCapture(ctx, multiplexed);
  const attached = await attachOutput(ctx, id, capture);
  try {
    await ctx.daemon.call('container.start', () => ctx.daemon.docker.getContainer(id).start());
  } catch (e) {
    attached?.stop();
    if (e instanceof DockerTimeoutError && !ctx.signal.aborted) {
      // A busy daemon may start it after all, only late: the run then goes on and is followed
      // and recorded like an adopted one, instead of being killed and reported as lost.
      const late = await awaitLateStart(ctx, id, before);
      ctx.log.warn({ containerId: id, err: e.message, seen: late.kind }, 'container start answered late');
      if (late.kind === 'started') return continueContainer(ctx, spec, late.info);
      if (late.kind === 'refused') return cannotRun(ctx, spec, id, late.message, late.exitCode);
      if (late.kind === 'unknown') {
        // It may be running: never removed blindly; a restart's adoption finds it.
        return {
          result: 'DaemonUnavailable',
          reason: 'LostContainer',
          message: `container ${id.slice(0, 12)}: ${e.message}, and its state could not be read (${late.message})`,
          containerId: id,
        };
      }
      // Still not started after the wait: removed below, so a start still queued cannot run it.
    }
    if (!(e instanceof DockerApiError)) {
      if (!spec?.userOwned) await removeContainer(ctx, id, true);
      throw e;
    }
    // The daemon refused to start it (no such executable, bad mount ...): the run failed.
    let exitCode: number | undefined;
    try {
      exitCode = (await inspectContainer(ctx, id)).State.ExitCode || undefined;
    } catch {
      // keep the daemon's message alone
    }
    return cannotRun(ctx, spec, id, e.message, exitCode);
  }
  const startTime = ctx.clock.now();
  notifyStarted(ctx, id, startTime);
  const exit = await superviseContainer({ ...superviseOptions(ctx, spec, id, capture, startTime), attached });
  return finish(ctx, spec, id, startTime, capture, exit, multiplexed);
}

/**
 * Attaches to the created container's stdout and stderr (stream mode) and starts reading them into
 * the capture: the daemon sends the answer's headers once the streams are hooked up, so nothing
 * the container prints after start is missed. A plain (not upgraded) request: the daemon takes the
 * connection over either way, the answer's body runs until it closes the connection, and this path
 * keeps the transport's deadlines and typed errors. Undefined (logged) when it fails: the
 * supervisor then follows `logs` and the tail is repaired after the exit.
 */
async function attachOutput(
  ctx: RunContext,
  id: string,
  capture: OutputCapture,
): Promise<OutputFollow | undefined> {
  const abort = new AbortController();
  try {
    const stream = await ctx.daemon.call('container.attach', () =>
      ctx.daemon.docker.getContainer(id).attach({
        stream: true,
        stdout: true,
        stderr: true,
        abortSignal: abort.signal,
      }),
    );
    return followOutput(capture, stream as unknown as Readable, abort);
  } catch (e) {
    ctx.log.warn({ containerId: id, err: (e as Error).message }, 'container attach failed, following logs');
    return undefined;
  }
}

function superviseOptions(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  containerId: string,
  capture: OutputCapture,
  startTime: number,
) {
  return {
    daemon: ctx.daemon,
    containerId,
    capture,
    clock: ctx.clock,
    log: ctx.log,
    signal: ctx.signal,
    startTime,
    activeDeadlineSeconds: ctx.req.spec.activeDeadlineSeconds,
    stopSignal: spec?.stopSignal ?? 'SIGTERM',
    stopTimeoutSeconds: spec?.stopTimeoutSeconds ?? 10,
    drainGraceMs: ctx.drainGraceMs,
    killGraceMs: ctx.killGraceMs,
  };
}

async function finish(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  containerId: string,
  startTime: number,
  capture: OutputCapture,
  exit: SupervisedExit,
  multiplexed: boolean,
): Promise<RunOutcome> {
  countOutput(ctx, capture);
  let logTail = capture.tailText();
  // A container we lost track of may still run (and the daemon may be gone): keep what was read.
  if (!exit.outputComplete && !exit.waitError) {
    const stored = await repairedTail(ctx, containerId, multiplexed);
    // The stream's tail is kept when it has the real end (it may be longer than the re-read one).
    if (stored !== undefined && !logTail.endsWith(stored)) {
      ctx.log.info({ containerId }, 'run output tail repaired from the stored logs');
      logTail = stored;
    }
  }
  const base = { containerId, startTime, logTail, exitCode: exit.exitCode };
  let outcome: RunOutcome;
  if (exit.stoppedFor === 'deadline') {
    outcome = {
      ...base,
      result: 'DeadlineExceeded',
      reason: 'DeadlineExceeded',
      message: `stopped after activeDeadlineSeconds=${ctx.req.spec.activeDeadlineSeconds}${exit.killed ? ' (killed: the stop signal was not enough)' : ''}`,
    };
  } else if (exit.stoppedFor === 'cancel') {
    outcome = {
      ...base,
      result: 'Cancelled',
      reason: 'Cancelled',
      message: `run cancelled${exit.killed ? ' (killed: the stop signal was not enough)' : ''}`,
    };
  } else if (exit.waitError) {
    outcome = {
      ...base,
      result: 'DaemonUnavailable',
      reason: 'LostContainer',
      message: `lost track of container ${containerId.slice(0, 12)}: ${exit.waitError.message}`,
    };
  } else if (exit.exitCode === 0) {
    outcome = { ...base, result: 'Succeeded', reason: 'Completed' };
  } else {
    outcome = {
      ...base,
      result: 'Failed',
      reason: exit.oomKilled ? 'OOMKilled' : 'NonZeroExitCode',
      message: `exited with code ${exit.exitCode}${exit.oomKilled ? ' (out of memory)' : ''}`,
    };
  }
  // A container we lost track of may still run: never remove it blindly.
  if (!exit.waitError) await applyRemovePolicy(ctx, spec, outcome);
  return outcome;
}

/**
 * The end of the container's output as the daemon stored it (non-following `logs?tail=`), for a
 * record whose stream may have missed it. Lines are not sent to the sink again; only the tail is
 * rebuilt, in a capture of its own with the run's bounds. Undefined when the logs cannot be read
 * (a log driver without reading, the container gone).
 */
async function repairedTail(
  ctx: RunContext,
  containerId: string,
  multiplexed: boolean,
): Promise<string | undefined> {
  try {
    const container = ctx.daemon.docker.getContainer(containerId);
    const output = await ctx.daemon.call('container.logs', () =>
      container.logs({ follow: false, stdout: true, stderr: true, tail: REPAIR_LOG_LINES }),
    );
    const tail = new OutputCapture({
      run: ctx.req.identity,
      sink: { line: () => true },
      multiplexed,
      tailBytes: ctx.tailBytes,
      maxLineChars: ctx.maxLineChars,
    });
    tail.push(output);
    tail.end();
    return tail.tailText();
  } catch (e) {
    ctx.log.warn({ containerId, err: (e as Error).message }, 'container output tail unavailable');
    return undefined;
  }
}

async function applyRemovePolicy(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  outcome: RunOutcome,
): Promise<void> {
  const policy = spec?.remove ?? 'Always';
  if (!outcome.containerId) return;
  if (policy === 'Always' || (policy === 'OnSuccess' && outcome.result === 'Succeeded')) {
    await removeContainer(ctx, outcome.containerId, true);
  }
}

/** The daemon refused to start the container (no such executable, bad mount ...): the run failed. */
async function cannotRun(
  ctx: RunContext,
  spec: ContainerHandling | undefined,
  id: string,
  message: string,
  exitCode: number | undefined,
): Promise<RunOutcome> {
  const failed: RunOutcome = {
    result: 'Failed',
    reason: 'ContainerCannotRun',
    message,
    exitCode,
    containerId: id,
  };
  await applyRemovePolicy(ctx, spec, failed);
  return failed;
}

async function removeContainer(ctx: RunContext, id: string, force: boolean): Promise<void> {
  try {
    await ctx.daemon.call('container.remove', () =>
      ctx.daemon.docker.getContainer(id).remove({ force, v: true }),
    );
  } catch (e) {
    if (!isNotFound(e))
      ctx.log.warn({ containerId: id, err: (e as Error).message }, 'container removal failed');
  }
}

async function ensureImage(ctx: RunContext, spec: RunSpec): Promise<void> {
  const { daemon } = ctx;
  const policy = spec.pullPolicy ?? 'IfNotPresent';
  if (policy !== 'Always') {
    try {
      await daemon.inspectImage(spec.image);
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (policy === 'Never') {
        throw new RunFailure('ImagePullFailed', 'ImageNotPresent', `${e.message} (pullPolicy is Never)`);
      }
    }
  }
  const registry = parseImageRef(spec.image).registry;
  const auth = await resolvePullAuth(
    spec.imagePullSecrets,
    ctx.req.identity.namespace,
    registry,
    ctx.secrets,
  );
  try {
    await pullImage(ctx, spec.image, auth);
    ctx.metrics?.pulls.inc({ daemon: daemon.name, result: 'success' });
  } catch (e) {
    ctx.metrics?.pulls.inc({ daemon: daemon.name, result: 'failure' });
    if (e instanceof DockerApiError) throw new RunFailure('ImagePullFailed', 'ImagePullFailed', e.message);
    throw e;
  }
}

/** The container's inspect answer (dockerode), guarded. */
export function inspectContainer(ctx: RunContext, id: string): Promise<ContainerInspect> {
  return ctx.daemon.call('container.inspect', () =>
    ctx.daemon.docker.getContainer(id).inspect(),
  ) as Promise<ContainerInspect>;
}

/** dockerode's pull with credentials: its typings only know the callback form for `auth`. */
type PullWithAuth = (
  this: Docker,
  ref: string,
  options: { abortSignal?: AbortSignal },
  callback: undefined,
  auth?: RegistryAuth,
) => Promise<NodeJS.ReadableStream>;

/**
 * Pulls an image and resolves when the daemon says it is done. A failure reported inside the
 * progress stream (auth refused, manifest unknown) becomes a DockerApiError with the daemon's
 * message; credentials travel only in the X-Registry-Auth header (docker-modem's `authconfig`),
 * never in logs. The stream is opened under the guard, then followed on the stream agent.
 */
async function pullImage(ctx: RunContext, ref: string, auth: RegistryAuth | undefined): Promise<void> {
  const { daemon } = ctx;
  const pull = daemon.docker.pull as unknown as PullWithAuth;
  const progress = await daemon.call('image.pull', () =>
    pull.call(daemon.docker, ref, { abortSignal: ctx.signal }, undefined, auth),
  );
  let lastError: string | undefined;
  await new Promise<void>((resolve, reject) => {
    daemon.docker.modem.followProgress(
      progress,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: { error?: unknown }) => {
        if (typeof event?.error === 'string') lastError = event.error;
      },
    );
  });
  if (lastError) throw new DockerApiError(daemon.name, 'image.pull', 500, lastError);
}

function parseTime(s: string | undefined): number | undefined {
  if (!s || s.startsWith('0001-')) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}
