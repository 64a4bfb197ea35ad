import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MemberLease, memberLeaseName } from '../../../src/cluster/member-lease.ts';
import { MembershipView } from '../../../src/cluster/membership.ts';

const T0 = Date.UTC(2026, 0, 1);
const timing = { leaseDurationMs: 15_000, maxLeaseDurationMs: 60_000 };

function lease(
  node: string,
  rv: string,
  holder = `${node}_1`,
  extra: Partial<MemberLease> = {},
): MemberLease {
  return {
    name: memberLeaseName(node),
    resourceVersion: rv,
    holder,
    node,
    durationSeconds: 15,
    releasedBy: undefined,
    acquireTimeMs: undefined,
    leaseTransitions: 0,
    ...extra,
  };
}

test('memberLeaseName: plain node names kept, others hashed to a valid name', () => {
  assert.equal(memberLeaseName('worker-1.example'), 'ofelia-member-worker-1.example');
  for (const node of ['Worker_1', 'x'.repeat(300), '']) {
    const name = memberLeaseName(node);
    assert.match(name, /^ofelia-member-h[0-9a-f]{20}$/);
  }
  assert.notEqual(memberLeaseName('A'), memberLeaseName('B'));
});

test('a member is live from its first observation for one lease duration, renewed by any change', () => {
  const view = new MembershipView(timing);
  assert.deepEqual(view.observe([lease('a', '1')], T0).changes, [
    { kind: 'joined', node: 'a', holder: 'a_1' },
  ]);
  assert.deepEqual(view.live(), ['a']);
  // Unchanged for 14 s: still live; a new resourceVersion extends it.
  assert.deepEqual(view.observe([lease('a', '1')], T0 + 14_000).changes, []);
  view.observe([lease('a', '2')], T0 + 14_500);
  assert.deepEqual(view.observe([lease('a', '2')], T0 + 29_000).changes, []);
  const expired = view.observe([lease('a', '2')], T0 + 29_500).changes;
  assert.deepEqual(expired, [{ kind: 'expired', node: 'a', holder: 'a_1', fenceMs: T0 + 29_500 }]);
  assert.deepEqual(view.live(), []);
});

const hostile = [
  {
    name: 'times written by another machine (skewed or edited) are never read',
    edit: (l: MemberLease) => ({ ...l, acquireTimeMs: T0 + 86_400_000 }),
    liveAt20s: false,
  },
  {
    name: 'leaseDurationSeconds edited down to 1 s: still waited for our own 15 s',
    edit: (l: MemberLease) => ({ ...l, durationSeconds: 1 }),
    liveAt20s: false,
    liveAt10s: true,
  },
  {
    name: 'leaseDurationSeconds edited up to a year: capped at 60 s',
    edit: (l: MemberLease) => ({ ...l, durationSeconds: 31_536_000 }),
    liveAt20s: true,
    deadAt61s: true,
  },
];
for (const c of hostile) {
  test(`hostile lease: ${c.name}`, () => {
    const view = new MembershipView(timing);
    view.observe([c.edit(lease('a', '1'))], T0);
    if (c.liveAt10s) {
      view.expire(T0 + 10_000);
      assert.deepEqual(view.live(), ['a']);
    }
    view.expire(T0 + 20_000);
    assert.deepEqual(view.live(), c.liveAt20s ? ['a'] : []);
    if (c.deadAt61s) {
      view.expire(T0 + 60_001);
      assert.deepEqual(view.live(), []);
    }
  });
}

test('a clean release (holder cleared, released-by the holder) leaves at once', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1'), lease('b', '1')], T0);
  const { changes } = view.observe([lease('a', '2', '', { releasedBy: 'a_1' }), lease('b', '1')], T0 + 1000);
  assert.deepEqual(changes, [{ kind: 'released', node: 'a', holder: 'a_1', fenceMs: T0 + 1000 }]);
  assert.deepEqual(view.live(), ['b']);
});

test('a holder cleared by hand (no release mark) or a deleted lease is waited out', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1'), lease('b', '1')], T0);
  const cleared = view.observe(
    [lease('a', '2', ''), lease('b', '2', '', { releasedBy: 'someone-else' })],
    T0 + 1000,
  );
  assert.deepEqual(cleared.changes, []);
  assert.deepEqual(cleared.clearedByHand.sort(), [memberLeaseName('a'), memberLeaseName('b')]);
  assert.deepEqual(view.live(), ['a', 'b']);
  const deleted = new MembershipView(timing);
  deleted.observe([lease('c', '1')], T0);
  assert.deepEqual(deleted.observe([], T0 + 5000).changes, []);
  assert.deepEqual(deleted.live(), ['c']);
  assert.equal(deleted.observe([], T0 + 15_000).changes[0]?.kind, 'expired');
});

test('leases whose name does not match their node annotation are no members', () => {
  const view = new MembershipView(timing);
  const forged = { ...lease('a', '1'), name: 'ofelia-member-b' };
  const noNode = { ...lease('c', '1'), node: undefined };
  const result = view.observe([forged, noNode, lease('d', '1')], T0);
  assert.deepEqual(result.rejected, [
    { lease: 'ofelia-member-b', problem: 'NameDoesNotMatchNode' },
    { lease: 'ofelia-member-c', problem: 'NoNodeAnnotation' },
  ]);
  assert.deepEqual(view.live(), ['d']);
});

test('a slow list is dated by its sending: liveness counts from then', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1')], T0);
  // The list answering at T0+20s was sent at T0+14s: 'a' changed before it, so live until T0+29s.
  view.observe([lease('a', '2')], T0 + 14_000);
  view.expire(T0 + 28_999);
  assert.deepEqual(view.live(), ['a']);
  view.expire(T0 + 29_000);
  assert.deepEqual(view.live(), []);
});

test('weights: a rise counts at once; a fall only once the version with the higher weight would have expired', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1', 'a_1', { weight: 3 }), lease('b', '1')], T0);
  assert.deepEqual(
    [...view.weights()],
    [
      ['a', 3],
      ['b', 1],
    ],
  );
  // b rises to 2: at once.
  view.observe([lease('a', '1', 'a_1', { weight: 3 }), lease('b', '2', 'b_1', { weight: 2 })], T0 + 2_000);
  assert.equal(view.weights().get('b'), 2);
  // a falls to 1 (a hand edit, or a new holder): 3 still counts until T0 + 15 s, when the
  // version that said 3 (seen at T0) would have expired; the list at that moment says so.
  view.observe([lease('a', '2', 'a_1', { weight: 1 }), lease('b', '2', 'b_1', { weight: 2 })], T0 + 4_000);
  assert.equal(view.weights().get('a'), 3);
  assert.equal(view.nextExpiry(), T0 + 15_000);
  const lapse = view.observe(
    [lease('a', '2', 'a_1', { weight: 1 }), lease('b', '2', 'b_1', { weight: 2 })],
    T0 + 15_000,
  );
  assert.deepEqual(lapse.changes, [
    { kind: 'reweighted', node: 'a', holder: 'a_1', fenceMs: T0 + 15_000, weight: 1 },
  ]);
  assert.equal(view.weights().get('a'), 1);
});

test('weights: a fall that is reverted (the holder rewrites its own weight) never counts', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1', 'a_1', { weight: 3 })], T0);
  view.observe([lease('a', '2', 'a_1', { weight: 1 })], T0 + 2_000);
  view.observe([lease('a', '3', 'a_1', { weight: 3 })], T0 + 4_000);
  assert.deepEqual(view.observe([lease('a', '3', 'a_1', { weight: 3 })], T0 + 16_000).changes, []);
  assert.equal(view.weights().get('a'), 3);
});

test('weights: a member that expired and rejoins counts with its new weight at once', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1', 'a_1', { weight: 3 })], T0);
  view.observe([lease('a', '1', 'a_1', { weight: 3 })], T0 + 15_000);
  assert.deepEqual(view.live(), []);
  view.observe([lease('a', '2', 'a_2', { weight: 1 })], T0 + 17_000);
  assert.equal(view.weights().get('a'), 1);
});

test('weights: an annotation that is not an integer 1..100 makes the Lease invalid (its last valid version stands)', () => {
  const view = new MembershipView(timing);
  view.observe([lease('a', '1', 'a_1', { weight: 2 })], T0);
  for (const weight of [0, 101, 1.5, Number.NaN]) {
    const r = view.observe([lease('a', '2', 'a_1', { weight })], T0 + 1_000);
    assert.deepEqual(r.rejected, [{ lease: memberLeaseName('a'), problem: 'InvalidWeight' }], String(weight));
    assert.equal(view.weights().get('a'), 2);
  }
});
