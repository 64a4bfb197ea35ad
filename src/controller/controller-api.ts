/**
 * Every API call the controller manager makes, as the small interfaces its parts use: the jobs'
 * transport (list, informer, status, finalizers), the Events sink, the leader election's Lease
 * and cluster mode's member Leases.
 *
 * Why one bundle passed in: the composition root decides once how the process reaches the API
 * server — over HTTPS with client-node (cluster mode, `--embedded-client https`), or in-process
 * against the embedded server (src/in-process-client) — and the controller imports neither
 * implementation, so an embedded operator never loads client-node (about 84 MB of RSS,
 * docs/performance.md).
 */
import type { MemberLeaseApi } from '../cluster/member-lease-client.ts';
import type { EventSink } from '../kube/event-recorder.ts';
import type { JobTransport } from '../kube/job-transport.ts';
import type { LeaseClient } from '../kube/lease-client.ts';

export interface ControllerApi {
  readonly jobs: JobTransport;
  readonly events: EventSink;
  /** The Lease `name` in `namespace` (leader election). */
  lease(namespace: string, name: string): LeaseClient;
  /**
   * The member Leases of operator instance `group` in `namespace` (cluster mode's spreading);
   * undefined where there is none (embedded mode runs no members).
   */
  readonly memberLeases?: (namespace: string, group: string) => MemberLeaseApi;
}
