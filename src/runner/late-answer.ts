/**
 * After a call that changes a container timed out: what the daemon did with it. A daemon busy
 * with dozens of creates and starts may do the work long after the caller gave up on the answer;
 * so the caller looks (inspect, every LATE_POLL_MS, for up to the daemon's container call
 * timeout) before it decides the run failed, and never sends the call again: a second start of a
 * short container that already ran and exited would run it twice.
 *
 * Pure decisions (`startedSince`, `startRefusal`) and the bounded, cancellable wait around them.
 */
import type { ContainerInspect } from '../docker/engine-types.ts';
import { isNotFound } from '../docker/errors.ts';
import { sleep } from './clock-sleep.ts';
import type { RunContext } from './run-context.ts';

export const LATE_POLL_MS = 500;

/** What the container's state said before the start was sent. */
export interface StateBefore {
  startedAt?: string;
  error?: string;
}

/** The zero time the daemon reports for a container never started. */
function neverStarted(at: string | undefined): boolean {
  return !at || at.startsWith('0001-01-01');
}

/** Whether `info` shows a start after the state `before` (a user's container may have run before). */
export function startedSince(before: StateBefore, info: ContainerInspect): boolean {
  const at = info.State.StartedAt;
  return !neverStarted(at) && at !== before.startedAt;
}

/** The daemon's reason when it tried this start and failed (no such executable ...), else undefined. */
export function startRefusal(before: StateBefore, info: ContainerInspect): string | undefined {
  const error = info.State.Error;
  if (!error || error === before.error || startedSince(before, info)) return undefined;
  return error;
}

export type LateStart =
  | { kind: 'started'; info: ContainerInspect }
  | { kind: 'refused'; message: string; exitCode?: number }
  /** Seen, and still not started at the end of the wait. */
  | { kind: 'not-started' }
  /** The daemon could not say (its inspects failed too): the container may be running. */
  | { kind: 'unknown'; message: string };

export async function awaitLateStart(ctx: RunContext, id: string, before: StateBefore): Promise<LateStart> {
  let last: LateStart = { kind: 'unknown', message: 'no inspect answered' };
  await pollUntil(ctx, async () => {
    try {
      const info = await ctx.daemon.inspectContainer(id);
      if (startedSince(before, info)) last = { kind: 'started', info };
      else {
        const refusal = startRefusal(before, info);
        last = refusal
          ? { kind: 'refused', message: refusal, exitCode: info.State.ExitCode || undefined }
          : { kind: 'not-started' };
      }
      return last.kind !== 'not-started';
    } catch (e) {
      last = { kind: 'unknown', message: (e as Error).message };
      return false;
    }
  });
  return last;
}

/** The container `name` once the daemon shows it (a create that answered late), else undefined. */
export async function awaitLateCreate(ctx: RunContext, name: string): Promise<ContainerInspect | undefined> {
  let found: ContainerInspect | undefined;
  await pollUntil(ctx, async () => {
    try {
      found = await ctx.daemon.inspectContainer(name);
      return true;
    } catch (e) {
      if (!isNotFound(e))
        ctx.log.debug({ container: name, err: (e as Error).message }, 'inspect after a late create');
      return false;
    }
  });
  return found;
}

/** Calls `check` until it says done, for up to the daemon's container call timeout; stops on the run's abort. */
async function pollUntil(ctx: RunContext, check: () => Promise<boolean>): Promise<void> {
  const until = ctx.clock.now() + ctx.daemon.containerCallTimeoutMs;
  for (;;) {
    if (await check()) return;
    if (ctx.signal.aborted || ctx.clock.now() >= until) return;
    const pause = sleep(ctx.clock, Math.min(LATE_POLL_MS, Math.max(0, until - ctx.clock.now())));
    const onAbort = () => pause.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    await pause.promise;
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
