/**
 * How the controller reaches its ScheduledDockerJobs: the list and watch behind its informer, the
 * status writes and the finalizer patches — the calls made once or more per job and per run.
 *
 * Two ways, one contract (errors carry the HTTP status code, so api-errors.ts reads both alike):
 * - over HTTP(S) with client-node (`httpJobTransport`): cluster mode, and embedded mode when asked;
 * - in-process (src/in-process-client/): embedded mode by default, the same API server's engine
 *   without TLS and HTTP.
 * Everything else the operator calls (Events, Leases, Secrets, JobNotifiers) goes over HTTP(S) in
 * both: a few calls per run at most.
 */
import type { KubernetesListObject } from '@kubernetes/client-node';
import type { KubeClients } from './clients.ts';
import type { InformerFactory } from './informer.ts';
import { type FinalizerClient, type JobObject, kubeFinalizerClient, listJobs } from './job-api.ts';
import { kubeStatusPatch } from './kube-status-patch.ts';
import type { StatusPatchFn } from './status-writer.ts';

export interface JobTransport {
  /** For logs and metrics: `https` or `in-process`. */
  readonly name: string;
  /** The informer's list (one namespace, or all). */
  list(namespace?: string): () => Promise<KubernetesListObject<JobObject>>;
  /** The informer's list-and-watch cache; client-node's over HTTP when undefined. */
  readonly informerFactory?: InformerFactory<JobObject>;
  readonly statusPatch: StatusPatchFn;
  readonly finalizers: FinalizerClient;
}

export function httpJobTransport(clients: KubeClients): JobTransport {
  return {
    name: 'https',
    list: (namespace) => listJobs(clients, namespace),
    statusPatch: kubeStatusPatch(clients),
    finalizers: kubeFinalizerClient(clients),
  };
}
