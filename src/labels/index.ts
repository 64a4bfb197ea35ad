/**
 * The live Docker-label source: Ofelia's `ofelia.*` container labels, read from the node-local
 * daemon while the operator runs, kept as ScheduledDockerJobs through the Kubernetes API
 * (label-source.ts for the loop, sync-plan.ts for the pure decision, object-store.ts and
 * container-events.ts for the I/O). In: a daemon, the stores, a namespace, the node name.
 * Out: jobs created, replaced and deleted as containers come, change and go. Never: touches a job
 * it did not make, or polls faster than its events and resync period ask.
 */
import type { DaemonClient } from '../docker/daemon-client.ts';
import type { Logger } from '../log/logger.ts';
import type { DockerLabelMetrics } from '../metrics/docker-label-metrics.ts';
import type { Clock } from '../util/clock.ts';
import { dockerEventSource } from './container-events.ts';
import { listLabelledContainers } from './container-list.ts';
import { LabelSource, ownerFor } from './label-source.ts';
import type { LabelStores } from './object-store.ts';

export { LabelSource, ownerFor } from './label-source.ts';
export { OWNER_LABEL } from './sync-plan.ts';

export interface DockerLabelSourceOptions {
  daemon: DaemonClient;
  /** Where its objects go: made by the operator's API choice (in-process or HTTPS). */
  stores: LabelStores;
  namespace: string;
  nodeName: string;
  resyncMs: number;
  clock: Clock;
  log: Logger;
  metrics?: DockerLabelMetrics;
}

/** Builds and starts the source; `stop()` ends its event stream and timers. */
export async function startDockerLabelSource(opts: DockerLabelSourceOptions): Promise<LabelSource> {
  const source = dockerLabelSource(opts);
  await source.start();
  return source;
}

/** Builds the source over the daemon and the API (not started: a Runnable's start()). */
export function dockerLabelSource(opts: DockerLabelSourceOptions): LabelSource {
  return new LabelSource({
    listContainers: () => listLabelledContainers(opts.daemon),
    events: dockerEventSource(opts.daemon),
    stores: opts.stores,
    namespace: opts.namespace,
    nodeName: opts.nodeName,
    resyncMs: opts.resyncMs,
    clock: opts.clock,
    log: opts.log,
    metrics: opts.metrics,
  });
}
