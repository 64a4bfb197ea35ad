/**
 * The member Lease of one replica: its name, labels and annotations (pure).
 *
 * One coordination.k8s.io/v1 Lease per node, named after the node, held by the replica running
 * there (holderIdentity = that process's identity). All member Leases of one operator carry the
 * label `ofelia.dev/member-of: <operator instance>`, so replicas find each other with one list.
 * The node name is in an annotation too; a Lease whose name is not the one its node annotation
 * yields is not a member (a hand-made or hand-edited Lease cannot make a node appear twice).
 * A clean release clears the holder AND names the releasing holder in `ofelia.dev/released-by`:
 * only then do the other replicas take its jobs at once; a holder cleared any other way (by hand)
 * is waited out like a silent replica.
 * A replica may advertise a weight (`ofelia.dev/weight`, an integer 1..100, absent = 1); a Lease
 * with any other value there is not a valid member Lease (its last valid version stands until it
 * expires, as for the other problems).
 */
import { createHash } from 'node:crypto';

export const MEMBER_OF_LABEL = 'ofelia.dev/member-of';
export const NODE_ANNOTATION = 'ofelia.dev/node';
export const RELEASED_BY_ANNOTATION = 'ofelia.dev/released-by';
/** The replica's weight (`--member-weight`): its share of unplaced jobs is weight / sum of weights. */
export const WEIGHT_ANNOTATION = 'ofelia.dev/weight';
export const MAX_MEMBER_WEIGHT = 100;
export const MEMBER_LEASE_PREFIX = 'ofelia-member-';

/** A DNS-1123 subdomain that fits a Lease name after the prefix. */
const PLAIN_NODE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MAX_NAME = 253;

/**
 * The Lease name for a node: `ofelia-member-<node>` when the node name is a valid object name,
 * else `ofelia-member-h<20 hex digits of sha256(node)>` (upper case, underscores, too long).
 */
export function memberLeaseName(node: string): string {
  if (PLAIN_NODE.test(node) && MEMBER_LEASE_PREFIX.length + node.length <= MAX_NAME) {
    return `${MEMBER_LEASE_PREFIX}${node}`;
  }
  return `${MEMBER_LEASE_PREFIX}h${createHash('sha256').update(node).digest('hex').slice(0, 20)}`;
}

/** A member Lease as listed: what membership needs of it. */
export interface MemberLease {
  name: string;
  resourceVersion: string;
  /** '' when no one holds it. */
  holder: string;
  /** The `ofelia.dev/node` annotation. */
  node: string | undefined;
  durationSeconds: number | undefined;
  /** The `ofelia.dev/released-by` annotation. */
  releasedBy: string | undefined;
  acquireTimeMs: number | undefined;
  leaseTransitions: number | undefined;
  /** The `ofelia.dev/weight` annotation (absent: 1; NaN when it is not a number). */
  weight?: number;
}

/** A weight annotation's value: an integer 1..MAX_MEMBER_WEIGHT, undefined when absent, else NaN. */
export function parseWeight(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^[0-9]{1,3}$/.test(value) ? Number(value) : Number.NaN;
}

export type MemberLeaseProblem = 'NoNodeAnnotation' | 'NameDoesNotMatchNode' | 'InvalidWeight';

/** Why a listed Lease is not a member, or undefined when it is a valid member Lease. */
export function memberLeaseProblem(lease: MemberLease): MemberLeaseProblem | undefined {
  if (!lease.node) return 'NoNodeAnnotation';
  if (memberLeaseName(lease.node) !== lease.name) return 'NameDoesNotMatchNode';
  const w = lease.weight;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= MAX_MEMBER_WEIGHT)) return 'InvalidWeight';
  return undefined;
}
