/**
 * Leases (coordination.k8s.io/v1) for leader election, behind a small interface so that the
 * election state machine is tested with a fake and runs over HTTPS (kube-lease-client.ts) or
 * in-process (src/in-process-client). `update` is a compare-and-swap on resourceVersion: a stale
 * one fails with a 409 (LeaseConflictError).
 *
 * Also the one Lease serialization both implementations share (`leaseObject`, `observedLease`):
 * plain JSON, times as MicroTime strings (RFC 3339 with microseconds, as client-go writes them),
 * so nothing here needs client-node's classes.
 */
import type { V1Lease } from '@kubernetes/client-node';

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

/** A Lease as it travels: V1Lease's shape with its times as the strings the wire carries. */
export interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/**
 * A Lease read back: V1Lease as client-node decodes it (times as Date) or as JSON (times as
 * strings); both are read alike.
 */
export type ReadLease = Omit<V1Lease, 'spec'> & {
  spec?: Omit<NonNullable<V1Lease['spec']>, 'acquireTime' | 'renewTime'> & {
    acquireTime?: Date | string;
    renewTime?: Date | string;
  };
};

/** Epoch ms as a MicroTime: `2006-01-02T15:04:05.000000Z` (JavaScript has milliseconds only). */
export function microTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, -1)}000Z`;
}

/** Epoch ms of a MicroTime or Time read back; undefined when absent or not a time. */
export function epochMs(time: Date | string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = new Date(time).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** The Lease `name` in `namespace` that says `record`; a CAS on `resourceVersion` when given. */
export function leaseObject(
  namespace: string,
  name: string,
  record: LeaseRecord,
  resourceVersion?: string,
): LeaseObject {
  const time = (ms: number | undefined) => (ms === undefined ? undefined : microTime(ms));
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      acquireTime: time(record.acquireTime),
      renewTime: time(record.renewTime),
      leaseTransitions: record.leaseTransitions,
    },
  };
}

export function observedLease(lease: ReadLease): ObservedLease {
  const spec = lease.spec ?? {};
  const record: LeaseRecord = {};
  if (spec.holderIdentity) record.holderIdentity = spec.holderIdentity;
  if (spec.leaseDurationSeconds !== undefined) record.leaseDurationSeconds = spec.leaseDurationSeconds;
  const acquire = epochMs(spec.acquireTime);
  if (acquire !== undefined) record.acquireTime = acquire;
  const renew = epochMs(spec.renewTime);
  if (renew !== undefined) record.renewTime = renew;
  if (spec.leaseTransitions !== undefined) record.leaseTransitions = spec.leaseTransitions;
  return { record, resourceVersion: lease.metadata?.resourceVersion ?? '' };
}
