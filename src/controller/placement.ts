/**
 * Which replica runs which job (pure):
 * - a job with `placement.nodeName: X` is run by the replica started with nodeName X, with no
 *   election (one replica per node, e.g. a DaemonSet); every other replica ignores it;
 * - a job without a nodeName is run by the elected leader, or by the only replica when leader
 *   election is disabled.
 * So two replicas never run the same job, as long as node names are unique and at most one
 * replica holds the lease.
 * In cluster mode (src/cluster/) `ownership` decides instead: placed jobs by the replica holding
 * that node's member Lease, unplaced ones spread over the live replicas, both fenced by time.
 */

export interface ReplicaRole {
  /** This replica's node name, if it was started with one. */
  nodeName?: string;
  /** Election disabled, or this replica holds the lease. */
  leads: boolean;
  /** Cluster mode: the shared ownership through member Leases (src/cluster/). */
  ownership?: JobOwnership;
}

/** Who may start a job now, in cluster mode. */
export interface JobOwnership {
  owns(uid: string, placementNode: string | undefined): boolean;
}

export function ownsJob(placement: { nodeName?: string } | undefined, role: ReplicaRole, uid = ''): boolean {
  if (role.ownership) return role.ownership.owns(uid, placement?.nodeName);
  const wanted = placement?.nodeName;
  if (wanted) return wanted === role.nodeName;
  return role.leads;
}
