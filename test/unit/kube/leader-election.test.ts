import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderElector } from '../../../src/kube/leader-election.ts';
import {
  type LeaseClient,
  LeaseConflictError,
  type LeaseRecord,
  type ObservedLease,
} from '../../../src/kube/lease-client.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { settle } from '../../helpers/wait.ts';

/**
 * An in-memory Lease (test double for the API server): compare-and-swap on a resourceVersion
 * counter, like the real one. `down` makes every call fail (an unreachable API server). Shared by
 * several electors to model replicas.
 */
class FakeLeaseStore {
  lease: ObservedLease | undefined;
  private rv = 0;
  down = false;
  client(): LeaseClient {
    return {
      get: async () => {
        if (this.down) throw new Error('connection refused');
        return this.lease && structuredClone(this.lease);
      },
      create: async (record: LeaseRecord) => {
        if (this.down) throw new Error('connection refused');
        if (this.lease) throw new LeaseConflictError();
        this.lease = { record: { ...record }, resourceVersion: String(++this.rv) };
        return structuredClone(this.lease);
      },
      update: async (record: LeaseRecord, resourceVersion: string) => {
        if (this.down) throw new Error('connection refused');
        if (!this.lease || this.lease.resourceVersion !== resourceVersion) throw new LeaseConflictError();
        this.lease = { record: { ...record }, resourceVersion: String(++this.rv) };
        return structuredClone(this.lease);
      },
    };
  }
}

/** Advance the fake clock in steps, letting the electors' promises run between them. */
async function run(clock: FakeClock, ms: number, step = 500): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

function elector(store: FakeLeaseStore, clock: FakeClock, identity: string, log: string[]) {
  return new LeaderElector({
    client: store.client(),
    identity,
    name: 'ofelia',
    clock,
    logger: silentLogger(),
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
}

test('LeaderElector: the first candidate takes a free lease, the second waits', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const log: string[] = [];
  const a = elector(store, clock, 'a', log);
  const b = elector(store, clock, 'b', log);
  a.start();
  await settle();
  b.start();
  await run(clock, 30_000);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);
  assert.equal(b.leader, 'a');
  assert.equal(b.stateKnown, true);
  assert.deepEqual(log, ['a leads']);
  assert.equal(store.lease?.record.leaseTransitions, 0);
});

test('LeaderElector: when the leader dies, the standby takes over only after the lease duration', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const log: string[] = [];
  const a = elector(store, clock, 'a', log);
  const b = elector(store, clock, 'b', log);
  a.start();
  await settle();
  b.start();
  await run(clock, 4000);
  // a dies without releasing (SIGKILL): its timers just stop.
  (a as unknown as { running: boolean }).running = false;
  const diedAt = clock.now();
  let tookOverAt: number | undefined;
  for (let i = 0; i < 60 && tookOverAt === undefined; i++) {
    await run(clock, 500);
    if (b.isLeader) tookOverAt = clock.now();
  }
  assert.ok(tookOverAt !== undefined, 'b took over');
  assert.ok(
    tookOverAt - diedAt >= 15_000 - 2000,
    `not before the lease could expire (${tookOverAt - diedAt} ms)`,
  );
  assert.ok(tookOverAt - diedAt <= 15_000 + 2000 + 500, `within lease + retry (${tookOverAt - diedAt} ms)`);
  assert.equal(store.lease?.record.holderIdentity, 'b');
  assert.equal(store.lease?.record.leaseTransitions, 1);
});

test('LeaderElector: a leader that cannot renew steps down within the renew deadline, before others may take over', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const log: string[] = [];
  const a = elector(store, clock, 'a', log);
  a.start();
  await run(clock, 3000);
  assert.equal(a.isLeader, true);
  store.down = true;
  const cutAt = clock.now();
  let steppedDownAt: number | undefined;
  for (let i = 0; i < 40 && steppedDownAt === undefined; i++) {
    await run(clock, 500);
    if (!a.isLeader) steppedDownAt = clock.now();
  }
  assert.ok(steppedDownAt !== undefined);
  assert.ok(steppedDownAt - cutAt <= 10_000 + 500, `stepped down ${steppedDownAt - cutAt} ms after the cut`);
  assert.deepEqual(log, ['a leads', 'a stops']);
  store.down = false;
  await run(clock, 3000);
  assert.equal(a.isLeader, true, 'takes its own lease back when the API server returns');
});

test('LeaderElector: stop releases the lease and the standby takes it at once', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const log: string[] = [];
  const a = elector(store, clock, 'a', log);
  const b = elector(store, clock, 'b', log);
  a.start();
  await settle();
  b.start();
  await run(clock, 3000);
  await a.stop();
  assert.equal(store.lease?.record.holderIdentity, '');
  await run(clock, 2500);
  assert.equal(b.isLeader, true);
  assert.deepEqual(log, ['a leads', 'a stops', 'b leads']);
});

test('LeaderElector: two candidates racing for a free lease never both lead', async () => {
  const clock = new FakeClock();
  const store = new FakeLeaseStore();
  const log: string[] = [];
  const electors = ['a', 'b', 'c'].map((id) => elector(store, clock, id, log));
  for (const e of electors) e.start();
  for (let i = 0; i < 40; i++) {
    await run(clock, 500);
    assert.ok(electors.filter((e) => e.isLeader).length <= 1);
  }
  assert.equal(electors.filter((e) => e.isLeader).length, 1);
});

test('LeaderElector: refuses timings where the renew deadline is not shorter than the lease', () => {
  assert.throws(
    () =>
      new LeaderElector({
        client: new FakeLeaseStore().client(),
        identity: 'a',
        name: 'x',
        clock: new FakeClock(),
        logger: silentLogger(),
        timing: { leaseDurationMs: 10_000, renewDeadlineMs: 10_000 },
      }),
    /leaseDuration > renewDeadline/,
  );
});
