/**
 * The leader election's Lease in-process against the API server's real engine: create, read,
 * compare-and-swap replace, the conflicts as LeaseConflictError, times written as MicroTime
 * strings (the serialization the HTTPS client sends), and the deadline.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { ResourceService } from '../../../src/apiserver/registry/resource-service.ts';
import { FIELD_MANAGER } from '../../../src/in-process-client/in-process-calls.ts';
import { InProcessLeaseClient } from '../../../src/in-process-client/in-process-lease-client.ts';
import { LeaseConflictError } from '../../../src/kube/lease-client.ts';
import { type InProcessServer, inProcessServer } from '../../helpers/in-process-server.ts';
import { settle } from '../../helpers/wait.ts';

let server: InProcessServer;
let client: InProcessLeaseClient;
const t0 = Date.UTC(2026, 0, 1, 12, 0, 0, 123);

beforeEach(async () => {
  server = await inProcessServer();
  client = new InProcessLeaseClient({
    access: server.access,
    clock: server.clock,
    namespace: 'ops',
    name: 'leader',
  });
});

test('get: undefined while the Lease does not exist', async () => {
  assert.equal(await client.get(), undefined);
});

test('create then get: the record round-trips, times stored as MicroTime strings', async () => {
  const record = {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    acquireTime: t0,
    renewTime: t0,
    leaseTransitions: 0,
  };
  const created = await client.create(record);
  assert.deepEqual(created.record, record);
  assert.ok(created.resourceVersion);
  assert.deepEqual(await client.get(), created);
  const lease = server.service.get(
    server.kinds.lookup('coordination.k8s.io', 'v1', 'leases')!,
    'ops',
    'leader',
  );
  const spec = lease.spec as Record<string, unknown>;
  assert.equal(spec.renewTime, '2026-01-01T12:00:00.123000Z');
  const managers = (lease.metadata as { managedFields?: { manager: string }[] }).managedFields ?? [];
  assert.ok(managers.some((m) => m.manager === FIELD_MANAGER));
});

test('create of an existing Lease is a LeaseConflictError', async () => {
  await client.create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: t0 });
  await assert.rejects(
    client.create({ holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: t0 }),
    LeaseConflictError,
  );
});

test('update: a compare-and-swap on resourceVersion; a stale one is a LeaseConflictError', async () => {
  const first = await client.create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: t0 });
  const renewed = await client.update(
    { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: t0 + 2000 },
    first.resourceVersion,
  );
  assert.equal(renewed.record.renewTime, t0 + 2000);
  assert.notEqual(renewed.resourceVersion, first.resourceVersion);
  await assert.rejects(
    client.update(
      { holderIdentity: 'b', leaseDurationSeconds: 15, renewTime: t0 + 3000 },
      first.resourceVersion,
    ),
    LeaseConflictError,
  );
  assert.equal((await client.get())?.record.holderIdentity, 'a');
});

test('a released Lease (no holder) reads back without a holder', async () => {
  const first = await client.create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: t0 });
  const released = await client.update({ leaseDurationSeconds: 1, renewTime: t0 }, first.resourceVersion);
  assert.equal(released.record.holderIdentity, undefined);
});

test('a write that does not answer: the call fails with a timeout at its deadline, not before', async () => {
  const stuck = new InProcessLeaseClient({
    access: {
      ...server.access,
      service: { create: () => new Promise(() => undefined) } as unknown as ResourceService,
    },
    clock: server.clock,
    namespace: 'ops',
    name: 'leader',
    timeoutMs: 500,
  });
  let outcome: unknown;
  stuck.create({ holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: t0 }).catch((e) => {
    outcome = e;
  });
  server.clock.advance(499);
  await settle();
  assert.equal(outcome, undefined);
  server.clock.advance(1);
  await settle();
  assert.match(String(outcome), /lease create: no answer within 500 ms/);
});
