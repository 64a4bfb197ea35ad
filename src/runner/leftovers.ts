/**
 * Containers left by an earlier process of THIS operator instance: on start, every container
 * labelled both `ofelia.dev/managed-by=ofelia-operator` and `ofelia.dev/instance=<instance>` on
 * each daemon (filtered by the daemon, so other instances' containers are never even listed),
 * described with its run identity (parsed back from the labels) and state, so the controller can
 * adopt the running ones (JobRunner.adopt) and record or remove the finished ones.
 * Reads only; removes nothing.
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
  /** The operator instance label (the one asked for, when listed by findLeftovers). */
  instance?: string;
  /** Undefined when the labels do not hold a whole identity (a foreign or damaged container). */
  identity?: RunIdentity;
  trigger?: RunTrigger;
  /** running: adopt it; exited: record it; other (created, paused, dead ...) as Docker says. */
  state: string;
  running: boolean;
  /** For exited containers, parsed from Docker's status ("Exited (3) 5 minutes ago"). */
  exitCode?: number;
}

/** The containers of `instance` on each daemon (both labels must match). */
export async function findLeftovers(daemons: DaemonClient[], instance: string): Promise<LeftoverContainer[]> {
  const labels = [`${LABELS.managedBy}=${MANAGED_BY_VALUE}`, `${LABELS.instance}=${instance}`];
  const out: LeftoverContainer[] = [];
  for (const d of daemons) {
    const list = (await d.call('container.list', () =>
      d.docker.listContainers({ all: true, filters: { label: labels } }),
    )) as ContainerSummary[];
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
  const instance = c.Labels?.[LABELS.instance];
  if (instance) d.instance = instance;
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
