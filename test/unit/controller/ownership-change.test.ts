/**
 * The manager's part in cluster mode (src/controller/ownership-change.ts): on each ownership
 * report, release the jobs lost, reconcile only the jobs gained — or, on becoming able to start
 * runs, adopt and reconcile everything once. Pure cases, then the simulated cluster
 * (test/helpers/member-cluster.ts) with a controller model per replica: a weight-2 replica is
 * killed and restarted under a new identity, as the e2e test does with real processes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OwnershipChangeReason } from '../../../src/cluster/member-loop.ts';
import { RendezvousSet } from '../../../src/cluster/rendezvous.ts';
import { type KnownJob, planOwnershipChange } from '../../../src/controller/ownership-change.ts';
import { Cluster, JOBS, type Replica } from '../../helpers/member-cluster.ts';

const job = (uid: string, placementNode?: string): KnownJob => ({
  key: `default/${uid}`,
  uid,
  placementNode,
});

test('planOwnershipChange: a membership change releases the jobs lost and reconciles only those gained', () => {
  const mine = new Set(['j1', 'j3', 'j4']);
  const plan = planOwnershipChange({
    why: 'members',
    running: true,
    wasRunning: true,
    scheduled: [job('j1'), job('j2')],
    jobs: ['j1', 'j2', 'j3', 'j4', 'j5'].map((u) => job(u)),
    owns: (uid) => mine.has(uid),
  });
  assert.deepEqual(plan, { release: ['default/j2'], reconcile: ['default/j3', 'default/j4'] });
});

test('planOwnershipChange: fenced (may start nothing): everything is released, nothing reconciled', () => {
  const plan = planOwnershipChange({
    why: 'inactive',
    running: false,
    wasRunning: true,
    scheduled: [job('j1'), job('j2', 'node-a')],
    jobs: ['j1', 'j2', 'j3'].map((u) => job(u)),
    owns: () => false,
  });
  assert.deepEqual(plan, { release: ['default/j1', 'default/j2'], reconcile: [] });
});

test('planOwnershipChange: becoming able to start runs adopts and reconciles all, even when reported as a membership change', () => {
  const input = {
    running: true,
    wasRunning: false,
    scheduled: [],
    jobs: [job('j1')],
    owns: () => true,
  };
  assert.equal(planOwnershipChange({ ...input, why: 'active' }).reconcile, 'all');
  // The promotion out of Joining happened in the same tick as a member joining or leaving: the
  // member loop reports 'members', but this replica has just become active (leftovers first).
  assert.equal(planOwnershipChange({ ...input, why: 'members' }).reconcile, 'all');
  // Already running: a membership change is not a reason to reconcile everything again.
  assert.deepEqual(planOwnershipChange({ ...input, why: 'members', wasRunning: true }).reconcile, [
    'default/j1',
  ]);
});

/** What the manager keeps per replica: the jobs it schedules, and how much it reconciled. */
class ControllerModel {
  readonly scheduled = new Set<string>();
  fullReconciles = 0;
  reconciled = 0;
  private wasRunning = false;

  constructor(private readonly name: string) {}

  onChange(why: OwnershipChangeReason, r: Replica): void {
    const now = r.clock.now();
    const owns = (uid: string, node: string | undefined) => r.ownership.owns(uid, node, now);
    const running = r.ownership.mayRun(now);
    const plan = planOwnershipChange({
      why,
      running,
      wasRunning: this.wasRunning,
      scheduled: [...this.scheduled].map((uid) => job(uid)),
      jobs: JOBS.map((uid) => job(uid)),
      owns,
    });
    this.wasRunning = running;
    for (const key of plan.release) this.scheduled.delete(key.slice('default/'.length));
    if (plan.reconcile === 'all') this.fullReconciles++;
    const keys = plan.reconcile === 'all' ? JOBS.map((uid) => `default/${uid}`) : plan.reconcile;
    this.reconciled += keys.length;
    // Reconcile (the job controller): a state (scheduled) when owned, released otherwise.
    for (const key of keys) {
      const uid = key.slice('default/'.length);
      if (owns(uid, undefined)) this.scheduled.add(uid);
      else this.scheduled.delete(uid);
    }
  }

  /** Jobs this replica owns now but does not schedule: they would not run anywhere. */
  unscheduled(r: Replica): string[] {
    return JOBS.filter((uid) => r.ownership.owns(uid, undefined, r.clock.now()) && !this.scheduled.has(uid));
  }

  toString(): string {
    return this.name;
  }
}

test('kill -9 of a weight-2 replica, restarted under a new identity: every job is scheduled by its weighted owner, the survivors reconcile only what they gain', async () => {
  const c = new Cluster();
  const models = new Map<string, ControllerModel>();
  const add = (node: string, identity: string, weight: number) => {
    const model = new ControllerModel(identity);
    models.set(identity, model);
    return { r: c.add(node, identity, 0, weight, (why, r) => model.onChange(why, r)), model };
  };
  const a = add('a', 'a_1', 1);
  await c.run(600);
  const b = add('b', 'b_1', 2);
  await c.run(600);
  const d = add('c', 'c_1', 1);
  await c.run(20_000);

  const weighted = new RendezvousSet(['a', 'b', 'c'], new Map([['b', 2]]));
  const ownedBy = (node: string) => JOBS.filter((uid) => weighted.ownerOf(uid) === node).sort();
  const scheduledBy = (m: ControllerModel) => [...m.scheduled].sort();
  const check = (live: { r: Replica; model: ControllerModel }[], when: string) => {
    for (const { r, model } of live) {
      assert.deepEqual(model.unscheduled(r), [], `${when}: ${r.identity} schedules every job it owns`);
    }
    // Each job scheduled by exactly one live replica that may start it (the dispatcher asks too).
    for (const uid of JOBS) {
      const starters = live.filter(
        ({ r, model }) => model.scheduled.has(uid) && r.ownership.owns(uid, undefined, r.clock.now()),
      );
      assert.equal(
        starters.length,
        1,
        `${when}: ${uid} started by ${starters.map((s) => s.r.identity).join(', ') || 'nobody'}`,
      );
    }
  };
  check([a, b, d], 'spread');
  assert.deepEqual(scheduledBy(b.model), ownedBy('b'));

  // kill -9: b's calls fail from now on; it fences itself and releases everything.
  c.store.down.add(b.r.identity);
  const before = { a: a.model.reconciled, d: d.model.reconciled };
  await c.run(30_000);
  assert.equal(b.model.scheduled.size, 0, 'the dead replica fenced itself and released its jobs');
  check([a, d], 'after the kill');
  assert.equal(
    a.model.reconciled - before.a,
    a.model.scheduled.size - ownedBy('a').length,
    'a reconciled only the jobs it gained',
  );
  assert.equal(
    d.model.reconciled - before.d,
    d.model.scheduled.size - ownedBy('c').length,
    'c reconciled only the jobs it gained',
  );

  // A new process on node b: it waits for its old Lease to expire, joins, and after the join delay
  // adopts and reconciles everything once; a and c only release.
  const beforeRejoin = { a: a.model.reconciled, d: d.model.reconciled };
  const b2 = add('b', 'b_2', 2);
  await c.run(45_000);
  assert.equal(b2.r.ownership.phase.phase, 'Active');
  check([a, b2, d], 'after the rejoin');
  assert.deepEqual(scheduledBy(b2.model), ownedBy('b'));
  assert.deepEqual(scheduledBy(a.model), ownedBy('a'));
  assert.deepEqual(scheduledBy(d.model), ownedBy('c'));
  assert.equal(b2.model.fullReconciles, 1, 'the rejoined replica adopted and reconciled everything once');
  assert.deepEqual([a.model.reconciled - beforeRejoin.a, d.model.reconciled - beforeRejoin.d], [0, 0]);
  assert.deepEqual(c.violations, []);
});
