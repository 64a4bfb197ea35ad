/**
 * The `run` flow: image (per pullPolicy, with credentials), create under the run's deterministic
 * name (a 409 means the run already exists: adopt it), start, supervise, remove per policy.
 * Also `continueContainer`, which finishes a run whose container already exists (adoption).
 */

import type Docker from 'dockerode';
import { containerName, LABELS } from '../api/run-identity.ts';
import type { RunSpec } from '../api/schema.ts';
import { createOptions } from '../docker/daemon-client.ts';
import type { ContainerInspect, RegistryAuth } from '../docker/engine-types.ts';
import { DockerApiError, isConflict, isNotFound } from '../docker/errors.ts';
import { parseImageRef } from '../docker/image-ref.ts';
import { containerCreateBody } from './container-spec.ts';
import { type SupervisedExit, superviseContainer } from './container-supervisor.ts';
import { resolveEnv } from './env.ts';
import type { OutputCapture } from './output-capture.ts';
import { resolvePullAuth } from './registry-auth.ts';
import { QuantityError } from './resources.ts';
import { countOutput, newCapture, notifyStarted, type RunContext } from './run-context.ts';
import { RunFailure } from './run-failure.ts';
import type { RunOutcome } from './run-types.ts';

/** Lines of earlier output replayed when adopting a running container after a restart. */
export const ADOPT_LOG_LINES = 100;

export async function runContainer(ctx: RunContext, spec: RunSpec): Promise<RunOutcome> {
  const { daemon, req } = ctx;
  const ns = req.identity.namespace;
  if (ctx.signal.aborted)
    throw new RunFailure('Cancelled', 'Cancelled', 'cancelled before the container was created');
  const env = await resolveEnv(spec.env, ns, ctx.secrets, 'spec.run.env');
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
    if (isConflict(e)) {
      // The run's container already exists (a restart mid-run, or a second replica): adopt it.
      const existing = await inspectContainer(ctx, name);
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
  return startAndSupervise(ctx, spec, id);
}

/** Finishes a run whose container exists: running -> supervise; created -> start; exited -> record. */
export async function continueContainer(
  ctx: RunContext,
  spec: RunSpec | undefined,
  info: ContainerInspect,
): Promise<RunOutcome> {
  const state = info.State;
  if (state.Status === 'created') return startAndSupervise(ctx, spec, info.Id);
  const capture = newCapture(ctx, !info.Config.Tty);
  const startTime = parseTime(state.StartedAt) ?? ctx.clock.now();
  if (state.Running || state.Status === 'paused' || state.Status === 'restarting') {
    notifyStarted(ctx, info.Id, startTime);
    const exit = await superviseContainer({
      ...superviseOptions(ctx, spec, info.Id, capture, startTime),
      logsTail: ADOPT_LOG_LINES,
    });
    return finish(ctx, spec, info.Id, startTime, capture, exit);
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
  return finish(ctx, spec, info.Id, startTime, capture, {
    killed: false,
    exitCode: state.ExitCode,
    oomKilled: state.OOMKilled === true,
  });
}

async function startAndSupervise(
  ctx: RunContext,
  spec: RunSpec | undefined,
  id: string,
): Promise<RunOutcome> {
  const capture = newCapture(ctx, !(spec?.tty ?? false));
  try {
    await ctx.daemon.call('container.start', () => ctx.daemon.docker.getContainer(id).start());
  } catch (e) {
    if (!(e instanceof DockerApiError)) {
      await removeContainer(ctx, id, true);
      throw e;
    }
    // The daemon refused to start it (no such executable, bad mount ...): the run failed.
    let exitCode: number | undefined;
    try {
      exitCode = (await inspectContainer(ctx, id)).State.ExitCode || undefined;
    } catch {
      // keep the daemon's message alone
    }
    const failed: RunOutcome = {
      result: 'Failed',
      reason: 'ContainerCannotRun',
      message: e.message,
      exitCode,
      containerId: id,
    };
    await applyRemovePolicy(ctx, spec, failed);
    return failed;
  }
  const startTime = ctx.clock.now();
  notifyStarted(ctx, id, startTime);
  const exit = await superviseContainer(superviseOptions(ctx, spec, id, capture, startTime));
  return finish(ctx, spec, id, startTime, capture, exit);
}

function superviseOptions(
  ctx: RunContext,
  spec: RunSpec | undefined,
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
  spec: RunSpec | undefined,
  containerId: string,
  startTime: number,
  capture: OutputCapture,
  exit: SupervisedExit,
): Promise<RunOutcome> {
  countOutput(ctx, capture);
  const base = { containerId, startTime, logTail: capture.tailText(), exitCode: exit.exitCode };
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

async function applyRemovePolicy(
  ctx: RunContext,
  spec: RunSpec | undefined,
  outcome: RunOutcome,
): Promise<void> {
  const policy = spec?.remove ?? 'Always';
  if (!outcome.containerId) return;
  if (policy === 'Always' || (policy === 'OnSuccess' && outcome.result === 'Succeeded')) {
    await removeContainer(ctx, outcome.containerId, true);
  }
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
