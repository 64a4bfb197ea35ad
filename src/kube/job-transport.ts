/**
 * How the controller reaches its ScheduledDockerJobs: the list and watch behind its informer, the
 * status writes and the finalizer patches — the calls made once or more per job and per run.
 *
 * Two ways, one contract (errors carry the HTTP status code, so api-errors.ts reads both alike):
 * - over HTTP(S) with client-node (http-job-transport.ts): cluster mode, and embedded mode when
 *   asked (`--embedded-client https`);
 * - in-process (src/in-process-client/): embedded mode by default, the same API server's engine
 *   without TLS and HTTP, and without loading client-node.
 * The contract is types only, so the controller reads it without loading either side.
 */
import type { KubernetesListObject } from '@kubernetes/client-node';
import type { InformerFactory } from './informer.ts';
import type { FinalizerClient, JobObject } from './job-api.ts';
import type { StatusPatchFn } from './status-writer.ts';

export interface JobTransport {
  /** For logs and metrics: `https` or `in-process`. */
  readonly name: string;
  /** The informer's list (one namespace, or all). */
  list(namespace?: string): () => Promise<KubernetesListObject<JobObject>>;
  /** The informer's list-and-watch cache. */
  readonly informerFactory: InformerFactory<JobObject>;
  readonly statusPatch: StatusPatchFn;
  readonly finalizers: FinalizerClient;
}
