/**
 * cluster: spreading jobs over the live replicas of one operator, through the Kubernetes API.
 *
 * Contract
 * - In: member Leases (coordination.k8s.io/v1, one per node, labelled with the operator
 *   instance), this replica's node name and identity, a Clock.
 * - Out: for every job, whether this replica may start it now; the live set; the handover fence
 *   and status changes when a job is taken on; metrics and logs of every membership change.
 * - Guarantees: an unplaced job belongs to one live replica (rendezvous hashing of its uid);
 *   a membership change moves about 1/N of the jobs; a replica that cannot renew stops starting
 *   before anyone may take its jobs (fencing by time); a job moves only after its old owner's
 *   Lease expired or was released, or the old owner saw the new one join.
 * - Never: a home-made consensus (the API server's compare-and-swap is the only arbiter), a
 *   comparison of another machine's timestamps with the local clock.
 * Pure parts: rendezvous.ts, member-lease.ts, membership.ts, ownership.ts, takeover.ts.
 * I/O: member-loop.ts (over src/cluster/member-lease-client.ts). See docs/scaling.md.
 */
export { ClusterReplica, type ClusterTiming, clusterTiming } from './cluster-replica.ts';
export { MemberLoop, type OwnershipChangeReason } from './member-loop.ts';
export { Ownership } from './ownership.ts';
export { RendezvousSet } from './rendezvous.ts';
