/**
 * Containers left by an earlier operator process: on start, every container labelled
 * `ofelia.dev/managed-by=ofelia-operator` on each daemon, described with its run identity (parsed
 * back from the labels) and state, so the controller can adopt the running ones
 * (JobRunner.adopt) and record or remove the finished ones. Reads only; removes nothing.
 */
import { LABELS, MANAGED_BY_VALUE, type RunIdentity } from '../api/run-identity.ts';
import { type RunTrigger, RunTriggerSchema } from '../api/schema.ts';
import type { DaemonClient } from '../docker/daemon-client.ts';
import type { ContainerSummary } from '../docker/engine-types.ts';

export interface LeftoverContainer {
  daemon: string;
  containerId: string;
  /** Container name without the leading slash. */
  name: string;
  /** Undefined when the labels do not hold a whole identity (a foreign or damaged container). */
  identity?: RunIdentity;
  trigger?: RunTrigger;
  /** running: adopt it; exited: record it; other (created, paused, dead ...) as Docker says. */
  state: string;
  running: boolean;
  /** For exited containers, parsed from Docker's status ("Exited (3) 5 minutes ago"). */
  exitCode?: number;
}

export async function findLeftovers(daemons: DaemonClient[]): Promise<LeftoverContainer[]> {
  const out: LeftoverContainer[] = [];
  for (const d of daemons) {
    const list = await d.listContainers({ all: true, labels: [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`] });
    for (const c of list) out.push(describeLeftover(d.name, c));
  }
  return out;
}

export function describeLeftover(daemon: string, c: ContainerSummary): LeftoverContainer {
  const running = c.State === 'running';
  const d: LeftoverContainer = {
    daemon,
    containerId: c.Id,
    name: (c.Names[0] ?? '').replace(/^\//, ''),
    state: c.State,
    running,
  };
  const identity = identityFromLabels(c.Labels ?? {});
  if (identity) d.identity = identity;
  const trigger = RunTriggerSchema.safeParse(c.Labels?.[LABELS.trigger]);
  if (trigger.success) d.trigger = trigger.data;
  const exited = /^Exited \((-?\d+)\)/.exec(c.Status);
  if (!running && exited) d.exitCode = Number(exited[1]);
  return d;
}

export function identityFromLabels(labels: Record<string, string>): RunIdentity | undefined {
  const namespace = labels[LABELS.namespace];
  const jobName = labels[LABELS.job];
  const jobUid = labels[LABELS.jobUid];
  const scheduledTime = Date.parse(labels[LABELS.scheduledTime] ?? '');
  const attempt = Number(labels[LABELS.attempt] ?? '1');
  if (
    !namespace ||
    !jobName ||
    !jobUid ||
    Number.isNaN(scheduledTime) ||
    !Number.isInteger(attempt) ||
    attempt < 1
  ) {
    return undefined;
  }
  return { namespace, jobName, jobUid, scheduledTime, attempt };
}
