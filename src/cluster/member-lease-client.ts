/**
 * Member Leases (coordination.k8s.io/v1) of one operator's replicas, behind a small interface so
 * that the membership loop is tested with a fake: one list by label, and compare-and-swap writes
 * of this replica's own Lease. Every call has a timeout; a stale resourceVersion or a Lease that
 * already exists is a LeaseConflictError.
 */
import { type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { isConflict } from '../kube/api-errors.ts';
import { type KubeClients, withTimeout } from '../kube/clients.ts';
import { LeaseConflictError } from '../kube/lease-client.ts';
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

export class KubeMemberLeaseApi implements MemberLeaseApi {
  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    /** The operator instance: the value of the member-of label. */
    private readonly group: string,
    private readonly timeoutMs = 5000,
  ) {}

  async list(): Promise<MemberLease[]> {
    const list = await this.clients.coordination.listNamespacedLease(
      {
        namespace: this.namespace,
        labelSelector: `${MEMBER_OF_LABEL}=${this.group}`,
        limit: MEMBER_LIST_LIMIT,
      },
      withTimeout(this.timeoutMs),
    );
    return list.items.map(toMember);
  }

  async create(write: MemberLeaseWrite): Promise<MemberLease> {
    try {
      return toMember(
        await this.clients.coordination.createNamespacedLease(
          { namespace: this.namespace, body: this.toLease(write) },
          withTimeout(this.timeoutMs),
        ),
      );
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError('the member lease was created by another replica');
      throw error;
    }
  }

  async replace(write: MemberLeaseWrite, resourceVersion: string): Promise<MemberLease> {
    try {
      return toMember(
        await this.clients.coordination.replaceNamespacedLease(
          { namespace: this.namespace, name: write.name, body: this.toLease(write, resourceVersion) },
          withTimeout(this.timeoutMs),
        ),
      );
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError();
      throw error;
    }
  }

  private toLease(w: MemberLeaseWrite, resourceVersion?: string): V1Lease {
    const annotations: Record<string, string> = { [NODE_ANNOTATION]: w.node };
    if (w.releasedBy) annotations[RELEASED_BY_ANNOTATION] = w.releasedBy;
    if (w.weight !== undefined && w.weight !== 1) annotations[WEIGHT_ANNOTATION] = String(w.weight);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: w.name,
        namespace: this.namespace,
        labels: { [MEMBER_OF_LABEL]: this.group },
        annotations,
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: {
        holderIdentity: w.holder || undefined,
        leaseDurationSeconds: w.durationSeconds,
        acquireTime: new V1MicroTime(w.acquireTimeMs),
        renewTime: new V1MicroTime(w.renewTimeMs),
        leaseTransitions: w.leaseTransitions,
      },
    };
  }
}

function toMember(lease: V1Lease): MemberLease {
  const spec = lease.spec ?? {};
  const annotations = lease.metadata?.annotations ?? {};
  const acquire = spec.acquireTime ? new Date(spec.acquireTime).getTime() : undefined;
  return {
    name: lease.metadata?.name ?? '',
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    holder: spec.holderIdentity ?? '',
    node: annotations[NODE_ANNOTATION],
    durationSeconds: spec.leaseDurationSeconds,
    releasedBy: annotations[RELEASED_BY_ANNOTATION],
    acquireTimeMs: acquire !== undefined && Number.isFinite(acquire) ? acquire : undefined,
    leaseTransitions: spec.leaseTransitions,
    weight: parseWeight(annotations[WEIGHT_ANNOTATION]),
  };
}
