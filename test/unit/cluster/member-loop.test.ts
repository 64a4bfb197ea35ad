/**
 * Replicas of one operator, each with its own MemberLoop + Ownership, over an in-memory Lease
 * store and a fake clock (test/helpers/member-cluster.ts). After every step the invariant is
 * checked: no job is owned by two replicas at the same moment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberLeaseName } from '../../../src/cluster/member-lease.ts';
import { Cluster, JOBS, RETRY_MS, TIMING } from '../../helpers/member-cluster.ts';

test('three replicas: each starts nothing during its join delay, then all jobs are spread', async () => {
  const c = new Cluster();
  const [a, b, d] = [c.add('a'), c.add('b'), c.add('c')];
  await c.run(10_000);
  assert.equal(a.ownership.phase.phase, 'Joining');
  assert.equal(c.unowned(), JOBS.length, 'nothing runs during the join delay');
  await c.run(6_000);
  assert.equal(c.unowned(), 0);
  for (const r of [a, b, d]) {
    assert.equal(r.ownership.phase.phase, 'Active');
    assert.deepEqual(r.ownership.members, ['a', 'b', 'c']);
    assert.ok(c.share(r) > 60, `${r.name} owns ${c.share(r)}`);
  }
  assert.deepEqual(c.violations, []);
});

test('a replica that dies (no release) loses its jobs within lease duration + one period; it fenced itself first', async () => {
  const c = new Cluster();
  // Started apart, so their ticks interleave (aligned ticks would hide races).
  const a = c.add('a');
  await c.run(750);
  const b = c.add('b');
  await c.run(750);
  const d = c.add('c');
  await c.run(20_000);
  const before = c.share(b);
  c.store.down.add(b.identity); // kill -9 (or a partition): its calls fail from now on
  const diedAt = c.clock.now();
  let fencedAfter: number | undefined;
  let allOwnedAfter: number | undefined;
  /** Per survivor: how long after b's Lease expired in its view it noticed (dropped b). */
  const noticedLate = new Map<string, number>();
  for (let t = 0; t < 30_000; t += 250) {
    await c.run(250);
    if (fencedAfter === undefined && c.share(b) === 0) fencedAfter = c.clock.now() - diedAt;
    if (allOwnedAfter === undefined && c.share(a) + c.share(d) === JOBS.length) {
      allOwnedAfter = c.clock.now() - diedAt;
    }
    for (const r of [a, d]) {
      if (!noticedLate.has(r.name) && !r.ownership.members.includes('b')) {
        noticedLate.set(r.name, r.clock.now() - r.ownership.handoverFence(r.clock.now())!);
      }
    }
  }
  // Each survivor lists when b's Lease is due to expire, not at its next period: it notices
  // within the step of this simulation.
  assert.deepEqual(
    [...noticedLate.values()].map((ms) => ms <= 250),
    [true, true],
    JSON.stringify([...noticedLate]),
  );
  assert.ok(before > 0);
  assert.ok(
    fencedAfter !== undefined && fencedAfter <= TIMING.renewDeadlineMs,
    `fenced after ${fencedAfter}`,
  );
  assert.ok(
    allOwnedAfter !== undefined && allOwnedAfter <= TIMING.leaseDurationMs + RETRY_MS + 250,
    `taken over after ${allOwnedAfter}`,
  );
  assert.ok(a.logs.includes('replica lost: its member lease expired'));
  assert.ok(b.logs.includes('member fenced: starting nothing'));
  // The takeover fence covers everything the dead replica may have started.
  assert.ok((a.ownership.handoverFence(a.clock.now()) ?? 0) >= diedAt + TIMING.renewDeadlineMs - RETRY_MS);
  // It comes back (same identity, calls work again): it rejoins after the join delay.
  c.store.down.delete(b.identity);
  await c.run(20_000);
  assert.equal(b.ownership.phase.phase, 'Active');
  assert.equal(c.share(a) + c.share(b) + c.share(d), JOBS.length);
  assert.deepEqual(c.violations, []);
});

test('slow API calls (1.5 s each): a replica dies, its jobs move within lease + period + one call, never two owners', async () => {
  const c = new Cluster();
  const SLOW = 1_500;
  const a = c.add('a');
  await c.run(700);
  const b = c.add('b');
  await c.run(900);
  const d = c.add('c');
  for (const r of [a, b, d]) c.store.latency.set(r.identity, SLOW);
  await c.run(30_000);
  assert.equal(c.share(a) + c.share(b) + c.share(d), JOBS.length);
  c.store.down.add(b.identity);
  const diedAt = c.clock.now();
  let allOwnedAfter: number | undefined;
  for (let t = 0; t < 30_000 && allOwnedAfter === undefined; t += 250) {
    await c.run(250);
    if (c.share(a) + c.share(d) === JOBS.length) allOwnedAfter = c.clock.now() - diedAt;
  }
  // b's last renewal was sent before diedAt and read at most one call later; the survivors' next
  // list after that went out within a period; the expiry list one call after the Lease duration.
  const bound = TIMING.leaseDurationMs + RETRY_MS + 2 * SLOW + 250;
  assert.ok(
    allOwnedAfter !== undefined && allOwnedAfter <= bound,
    `taken over after ${allOwnedAfter} (bound ${bound})`,
  );
  assert.deepEqual(c.violations, []);
});

test('a short fence (renewals failing for less than a lease duration) resumes at once, without the join delay', async () => {
  const c = new Cluster();
  const [a, b] = [c.add('a'), c.add('b')];
  await c.run(20_000);
  const share = c.share(a);
  c.store.down.add(a.identity);
  await c.run(TIMING.renewDeadlineMs + 500);
  assert.equal(c.share(a), 0, 'fenced');
  assert.ok(a.logs.includes('member fenced: starting nothing'));
  assert.ok(c.share(b) < JOBS.length, 'nobody took its jobs: its Lease has not expired');
  c.store.down.delete(a.identity);
  await c.run(RETRY_MS + 250);
  assert.equal(a.ownership.phase.phase, 'Active');
  assert.equal(c.share(a), share);
  assert.deepEqual(c.violations, []);
});

test('a clean stop releases the lease: the others take its jobs at their next tick', async () => {
  const c = new Cluster();
  const [a, b] = [c.add('a'), c.add('b')];
  await c.run(20_000);
  await b.loop.stop();
  assert.equal(c.share(b), 0);
  await c.run(RETRY_MS + 250);
  assert.equal(c.share(a), JOBS.length);
  assert.ok(a.logs.includes('replica left'));
  assert.deepEqual(c.violations, []);
});

test('two replicas claiming the same node name: the second stands by, logged, and takes over only after expiry', async () => {
  const c = new Cluster();
  const a = c.add('a');
  const b = c.add('b');
  await c.run(20_000);
  const twin = c.add('a', 'a_2');
  await c.run(20_000);
  assert.deepEqual(twin.ownership.phase, { phase: 'Standby', reason: 'NodeClaimed', heldBy: 'a_1' });
  assert.equal(twin.logs.filter((l) => l.includes('same node name')).length, 1, 'logged once');
  assert.equal(c.share(twin), 0);
  assert.equal(c.share(a) + c.share(b), JOBS.length);
  // The first one dies: the twin takes the node's Lease after it expired, then joins.
  c.store.down.add(a.identity);
  await c.run(40_000);
  assert.equal(twin.ownership.phase.phase, 'Active');
  assert.equal(c.share(twin) + c.share(b), JOBS.length);
  assert.ok(c.share(twin) > 0);
  assert.deepEqual(c.violations, []);
});

test('a hand edit giving the holder to someone else: the holder stops at once and waits for it to expire', async () => {
  const c = new Cluster();
  const [a, b] = [c.add('a'), c.add('b')];
  await c.run(20_000);
  c.store.edit(memberLeaseName('a'), { holder: 'mallory' });
  await c.run(RETRY_MS);
  assert.equal(c.share(a), 0);
  assert.ok(a.logs.includes('member lease taken by another holder: stopping at once'));
  assert.ok(c.share(b) < JOBS.length, 'the node stays a member while the edited lease is fresh');
  await c.run(35_000);
  assert.equal(a.ownership.phase.phase, 'Active');
  assert.equal(c.share(a) + c.share(b), JOBS.length);
  assert.deepEqual(c.violations, []);
});

test('a hand-cleared holder (no release mark) is waited out, never taken as a release', async () => {
  const c = new Cluster();
  const [a, b] = [c.add('a'), c.add('b')];
  await c.run(20_000);
  c.store.down.add(a.identity);
  c.store.edit(memberLeaseName('a'), { holder: '' });
  await c.run(RETRY_MS);
  assert.ok(b.logs.includes('member lease holder cleared without a release: waiting for it to expire'));
  assert.ok(c.share(b) < JOBS.length);
  await c.run(TIMING.leaseDurationMs);
  assert.equal(c.share(b), JOBS.length);
  assert.deepEqual(c.violations, []);
});

test('replicas with skewed clocks (one an hour ahead, one 5 minutes behind) agree and never overlap', async () => {
  const c = new Cluster();
  const [a, b, d] = [c.add('a', 'a_1', 3_600_000), c.add('b', 'b_1', -300_000), c.add('c')];
  await c.run(20_000);
  assert.equal(c.share(a) + c.share(b) + c.share(d), JOBS.length);
  c.store.down.add(a.identity);
  await c.run(20_000);
  assert.equal(c.share(b) + c.share(d), JOBS.length);
  assert.deepEqual(c.violations, []);
});

test('a forged lease (name not matching its node) is ignored and logged once', async () => {
  const c = new Cluster();
  const a = c.add('a');
  c.store.leases.set('ofelia-member-x', {
    name: 'ofelia-member-x',
    resourceVersion: '999',
    holder: 'x_1',
    node: 'a',
    durationSeconds: 15,
    releasedBy: undefined,
    acquireTimeMs: undefined,
    leaseTransitions: 0,
  });
  await c.run(20_000);
  assert.equal(a.logs.filter((l) => l === 'ignoring a member lease that is not valid').length, 1);
  assert.deepEqual(a.ownership.members, ['a']);
  assert.equal(c.share(a), JOBS.length);
});

test('weights 1, 2 and 3: shares follow the weights; a hand edit lowering one never gives a job two owners', async () => {
  const c = new Cluster();
  const a = c.add('a', 'a_1', 0, 1);
  await c.run(600);
  const b = c.add('b', 'b_1', 0, 2);
  await c.run(600);
  const d = c.add('c', 'c_1', 0, 3);
  await c.run(20_000);
  assert.equal(c.share(a) + c.share(b) + c.share(d), JOBS.length);
  assert.ok(c.share(a) < c.share(b) && c.share(b) < c.share(d), `${c.share(a)} ${c.share(b)} ${c.share(d)}`);
  assert.deepEqual(
    [...d.ownership.weights],
    [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ],
  );
  // c's weight edited down to 1 by hand: c keeps counting itself 3 and rewrites its Lease at its
  // next renewal; the others keep 3 meanwhile (the higher weight stands until it would expire).
  c.store.edit(memberLeaseName('c'), { weight: 1 });
  await c.run(20_000);
  assert.deepEqual(
    [...a.ownership.weights],
    [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ],
  );
  assert.equal(c.store.leases.get(memberLeaseName('c'))?.weight, 3, 'the holder rewrote its weight');
  assert.equal(c.share(a) + c.share(b) + c.share(d), JOBS.length);
  assert.deepEqual(c.violations, []);
});
