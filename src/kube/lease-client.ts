/**
 * Leases (coordination.k8s.io/v1) for leader election, behind a small interface so that the
 * election state machine is tested with a fake. `update` is a compare-and-swap on
 * resourceVersion: a stale one fails with a 409 (LeaseConflictError).
 */
import { type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { isConflict, isNotFound } from './api-errors.ts';
import { type KubeClients, withTimeout } from './clients.ts';

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** Epoch ms. */
  acquireTime?: number;
  renewTime?: number;
  leaseTransitions?: number;
}

export interface ObservedLease {
  record: LeaseRecord;
  resourceVersion: string;
}

export class LeaseConflictError extends Error {
  readonly reason = 'Conflict';
  constructor(message = 'the lease changed meanwhile') {
    super(message);
    this.name = 'LeaseConflictError';
  }
}

export interface LeaseClient {
  /** undefined when the lease does not exist. */
  get(): Promise<ObservedLease | undefined>;
  /** Fails with LeaseConflictError when it already exists. */
  create(record: LeaseRecord): Promise<ObservedLease>;
  /** Fails with LeaseConflictError when `resourceVersion` is stale. */
  update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease>;
}

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
      return observed(lease);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<ObservedLease> {
    try {
      const lease = await this.clients.coordination.createNamespacedLease(
        { namespace: this.namespace, body: this.toLease(record) },
        withTimeout(this.timeoutMs),
      );
      return observed(lease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError('the lease was created by another replica');
      throw error;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease> {
    try {
      const lease = await this.clients.coordination.replaceNamespacedLease(
        { namespace: this.namespace, name: this.name, body: this.toLease(record, resourceVersion) },
        withTimeout(this.timeoutMs),
      );
      return observed(lease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError();
      throw error;
    }
  }

  private toLease(record: LeaseRecord, resourceVersion?: string): V1Lease {
    const time = (ms: number | undefined) => (ms === undefined ? undefined : new V1MicroTime(ms));
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: {
        holderIdentity: record.holderIdentity,
        leaseDurationSeconds: record.leaseDurationSeconds,
        acquireTime: time(record.acquireTime),
        renewTime: time(record.renewTime),
        leaseTransitions: record.leaseTransitions,
      },
    };
  }
}

function observed(lease: V1Lease): ObservedLease {
  const spec = lease.spec ?? {};
  const ms = (d: Date | undefined) => (d ? new Date(d).getTime() : undefined);
  const record: LeaseRecord = {};
  if (spec.holderIdentity) record.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== undefined) record.leaseDurationSeconds = spec.leaseDurationSeconds;
  const acquire = ms(spec.acquireTime);
  if (acquire !== undefined) record.acquireTime = acquire;
  const renew = ms(spec.renewTime);
  if (renew !== undefined) record.renewTime = renew;
  if (spec.leaseTransitions !== undefined) record.leaseTransitions = spec.leaseTransitions;
  return { record, resourceVersion: lease.metadata?.resourceVersion ?? '' };
}
