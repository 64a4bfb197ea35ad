/**
 * The containers whose labels opt in to Ofelia (`ofelia.enabled=true`), running and stopped, from
 * one daemon: one list call through the guarded client (its timeout and breaker apply). Used by
 * `import ofelia --docker` and by the live label source.
 */
import type { DaemonClient } from '../docker/daemon-client.ts';
import type { ContainerSummary } from '../docker/engine-types.ts';
import { ENABLED_LABEL, type LabelledContainer } from '../import/label-reader.ts';

/** Most containers read in one listing (a daemon with more is cut here, and said so). */
export const MAX_LABELLED_CONTAINERS = 5000;

export interface LabelledListing {
  containers: LabelledContainer[];
  truncated: boolean;
}

export async function listLabelledContainers(daemon: DaemonClient): Promise<LabelledListing> {
  const list = (await daemon.call('container.list', () =>
    daemon.docker.listContainers({ all: true, filters: { label: [`${ENABLED_LABEL}=true`] } }),
  )) as ContainerSummary[];
  const containers = list.slice(0, MAX_LABELLED_CONTAINERS).map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    labels: c.Labels ?? {},
  }));
  return { containers, truncated: list.length > MAX_LABELLED_CONTAINERS };
}
