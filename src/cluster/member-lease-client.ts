/**
 * Member Leases (coordination.k8s.io/v1) of one operator's replicas, behind a small interface so
 * that the membership loop is tested with a fake: one list by label, and compare-and-swap writes
 * of this replica's own Lease. Every call has a timeout; a stale resourceVersion or a Lease that
 * already exists is a LeaseConflictError. The HTTPS implementation is kube-member-lease-api.ts;
 * this file is the contract and the serialization (plain JSON, no client-node class), so the
 * membership loop loads no client-node.
 */
import { epochMs, type LeaseObject, microTime, type ReadLease } from '../kube/lease-client.ts';
import {
  MEMBER_OF_LABEL,
  type MemberLease,
  NODE_ANNOTATION,
  parseWeight,
  RELEASED_BY_ANNOTATION,
  WEIGHT_ANNOTATION,
} from './member-lease.ts';

/** What this replica writes into its own Lease. */
export interface MemberLeaseWrite {
  name: string;
  node: string;
  holder: string;
  durationSeconds: number;
  acquireTimeMs: number;
  renewTimeMs: number;
  leaseTransitions: number;
  /** Set by a clean release (holder ''). */
  releasedBy?: string;
  /** Written when not 1. */
  weight?: number;
}

export interface MemberLeaseApi {
  /** The member Leases of this operator (bounded by `limit`). */
  list(): Promise<MemberLease[]>;
  create(write: MemberLeaseWrite): Promise<MemberLease>;
  /** Fails with LeaseConflictError when `resourceVersion` is stale. */
  replace(write: MemberLeaseWrite, resourceVersion: string): Promise<MemberLease>;
}

/** Lists stop at this many Leases: far above any real replica count, and bounds the memory. */
export const MEMBER_LIST_LIMIT = 5000;

/** The Lease this replica writes for `w` in `namespace`, member of `group`; a CAS when `resourceVersion` is given. */
export function memberLeaseObject(
  namespace: string,
  group: string,
  w: MemberLeaseWrite,
  resourceVersion?: string,
): LeaseObject {
  const annotations: Record<string, string> = { [NODE_ANNOTATION]: w.node };
  if (w.releasedBy) annotations[RELEASED_BY_ANNOTATION] = w.releasedBy;
  if (w.weight !== undefined && w.weight !== 1) annotations[WEIGHT_ANNOTATION] = String(w.weight);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: w.name,
      namespace,
      labels: { [MEMBER_OF_LABEL]: group },
      annotations,
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      holderIdentity: w.holder || undefined,
      leaseDurationSeconds: w.durationSeconds,
      acquireTime: microTime(w.acquireTimeMs),
      renewTime: microTime(w.renewTimeMs),
      leaseTransitions: w.leaseTransitions,
    },
  };
}

export function toMember(lease: ReadLease): MemberLease {
  const spec = lease.spec ?? {};
  const annotations = lease.metadata?.annotations ?? {};
  const acquire = epochMs(spec.acquireTime);
  return {
    name: lease.metadata?.name ?? '',
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    holder: spec.holderIdentity ?? '',
    node: annotations[NODE_ANNOTATION],
    durationSeconds: spec.leaseDurationSeconds,
    releasedBy: annotations[RELEASED_BY_ANNOTATION],
    acquireTimeMs: acquire,
    leaseTransitions: spec.leaseTransitions,
    weight: parseWeight(annotations[WEIGHT_ANNOTATION]),
  };
}
