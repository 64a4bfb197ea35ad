/**
 * The leader election's Lease (kube/lease-client.ts `LeaseClient`) in-process against the
 * embedded API server: read, create, and replace as a compare-and-swap on resourceVersion. The
 * Lease is serialized by kube/lease-client.ts as for HTTPS (MicroTime strings), so both clients
 * write the same object; a Lease that exists or a stale resourceVersion is the server's 409,
 * turned into LeaseConflictError. Every call has a deadline.
 */
import type { InProcessAccess, ResourceKind } from '../apiserver/index.ts';
import { isConflict, isNotFound } from '../kube/api-errors.ts';
import {
  type LeaseClient,
  LeaseConflictError,
  type LeaseRecord,
  leaseObject,
  type ObservedLease,
  observedLease,
  type ReadLease,
} from '../kube/lease-client.ts';
import type { Clock } from '../util/clock.ts';
import { asRequestBody, OPERATOR_WRITE, servedKind, withDeadline } from './in-process-calls.ts';

export interface InProcessLeaseClientOptions {
  access: InProcessAccess;
  clock: Clock;
  namespace: string;
  name: string;
  /** Deadline of one call (default 5 s, as the HTTPS client's). */
  timeoutMs?: number;
}

export class InProcessLeaseClient implements LeaseClient {
  private readonly kind: ResourceKind;
  private readonly timeoutMs: number;

  constructor(private readonly o: InProcessLeaseClientOptions) {
    this.kind = servedKind(o.access, 'coordination.k8s.io', 'v1', 'leases');
    this.timeoutMs = o.timeoutMs ?? 5000;
  }

  async get(): Promise<ObservedLease | undefined> {
    try {
      const lease = await this.call('lease get', async () =>
        this.o.access.service.get(this.kind, this.o.namespace, this.o.name),
      );
      return observedLease(lease as ReadLease);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(record: LeaseRecord): Promise<ObservedLease> {
    const body = asRequestBody(leaseObject(this.o.namespace, this.o.name, record));
    try {
      const r = await this.call('lease create', () =>
        this.o.access.service.create(this.kind, this.o.namespace, body, OPERATOR_WRITE),
      );
      return observedLease(r.object as ReadLease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError('the lease was created by another replica');
      throw error;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease> {
    const body = asRequestBody(leaseObject(this.o.namespace, this.o.name, record, resourceVersion));
    const target = {
      kind: this.kind,
      namespace: this.o.namespace,
      name: this.o.name,
      subresource: undefined,
    };
    try {
      const r = await this.call('lease update', () =>
        this.o.access.service.update(target, body, OPERATOR_WRITE),
      );
      return observedLease(r.object as ReadLease);
    } catch (error) {
      if (isConflict(error)) throw new LeaseConflictError();
      throw error;
    }
  }

  private call<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withDeadline(this.o.clock, this.timeoutMs, what, call);
  }
}
