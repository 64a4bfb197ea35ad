/**
 * The leader election's Lease calls over HTTP(S) with client-node (lease-client.ts has the
 * contract and the serialization): cluster mode, and embedded mode with `--embedded-client https`.
 * Every call has a timeout.
 */
import type { V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-errors.ts';
import { type KubeClients, withTimeout } from './clients.ts';
import {
  type LeaseClient,
  LeaseConflictError,
  type LeaseObject,
  type LeaseRecord,
  leaseObject,
  type ObservedLease,
  observedLease,
} from './lease-client.ts';

export class KubeLeaseClient implements LeaseClient {
  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly name: string,
    private readonly timeoutMs = 5000,
  ) {}

  async get(): Promise<ObservedLease | undefined> {
    try {
      const lease = await this.clients.coordination.readNamespacedLease(
        { namespace: this.namespace, name: this.name },
        withTimeout(this.timeoutMs),
      );
      return observedLease(lease);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<ObservedLease> {
    try {
      const lease = await this.clients.coordination.createNamespacedLease(
        { namespace: this.namespace, body: asV1Lease(leaseObject(this.namespace, this.name, record)) },
        withTimeout(this.timeoutMs),
      );
      return observedLease(lease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError('the lease was created by another replica');
      throw error;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease> {
    try {
      const lease = await this.clients.coordination.replaceNamespacedLease(
        {
          namespace: this.namespace,
          name: this.name,
          body: asV1Lease(leaseObject(this.namespace, this.name, record, resourceVersion)),
        },
        withTimeout(this.timeoutMs),
      );
      return observedLease(lease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError();
      throw error;
    }
  }
}

/**
 * client-node types MicroTime fields as Date but sends any value that is not a Date as it is
 * (ObjectSerializer.serialize), so the wire string of `leaseObject` goes out unchanged.
 */
export function asV1Lease(lease: LeaseObject): V1Lease {
  return lease as unknown as V1Lease;
}
