/**
 * Member Leases over HTTP(S) with client-node (member-lease-client.ts has the contract and the
 * serialization): cluster mode only. Every call has a timeout.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { isConflict } from '../kube/api-errors.ts';
import { type KubeClients, withTimeout } from '../kube/clients.ts';
import { asV1Lease } from '../kube/kube-lease-client.ts';
import { LeaseConflictError } from '../kube/lease-client.ts';
import { MEMBER_OF_LABEL, type MemberLease } from './member-lease.ts';
import {
  MEMBER_LIST_LIMIT,
  type MemberLeaseApi,
  type MemberLeaseWrite,
  memberLeaseObject,
  toMember,
} from './member-lease-client.ts';

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
    return asV1Lease(memberLeaseObject(this.namespace, this.group, w, resourceVersion));
  }
}
