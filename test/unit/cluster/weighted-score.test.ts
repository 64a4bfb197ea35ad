import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString, RendezvousSet } from '../../../src/cluster/rendezvous.ts';
import { negLnUnit, weightedStrength } from '../../../src/cluster/weighted-score.ts';

const TWO_POW_32 = 2 ** 32;
const uids = (n: number) => Array.from({ length: n }, (_, i) => `uid-${i}-0000-4000-8000`);

const lnCases = [
  { name: 'the smallest score (u = 2^-33)', score: 0 },
  { name: 'a small score', score: 1_000 },
  { name: 'just below one half', score: 2 ** 31 - 1 },
  { name: 'one half', score: 2 ** 31 },
  { name: 'three quarters (the split point)', score: 3 * 2 ** 30 },
  { name: 'the largest score (u just below 1: cancellation-prone)', score: TWO_POW_32 - 1 },
  { name: 'an arbitrary score', score: 3_000_000_007 },
];
for (const c of lnCases) {
  test(`negLnUnit: within 1e-15 of -ln(u): ${c.name}`, () => {
    const u = (c.score + 0.5) / TWO_POW_32;
    const want = -Math.log(u);
    const got = negLnUnit(c.score);
    assert.ok(got > 0);
    assert.ok(Math.abs(got - want) / want < 1e-15, `${got} vs ${want}`);
  });
}

test('negLnUnit: these exact doubles (other machines and Node versions must compute the same bits)', () => {
  // Pinned: a change in the order of operations changes ownership between replicas of two
  // versions, which must never happen silently.
  assert.deepEqual(
    [0, 2 ** 31, TWO_POW_32 - 1, 123_456_789].map(negLnUnit),
    [22.873856958478193, 0.6931471803271146, 1.1641532183371108e-10, 3.549308007700232],
  );
});

test('negLnUnit: decreasing in the score (a higher score is a stronger claim)', () => {
  let prev = Number.POSITIVE_INFINITY;
  for (let s = 0; s < TWO_POW_32; s += 9_999_991) {
    const v = negLnUnit(s);
    assert.ok(v < prev, `at ${s}`);
    prev = v;
  }
});

test('weightedStrength: proportional to the weight for one score', () => {
  assert.equal(weightedStrength(12345, 3), 3 * weightedStrength(12345, 1));
});

const shareCases = [
  { name: 'weights 1, 2, 3, 4', weights: { a: 1, b: 2, c: 3, d: 4 } },
  { name: 'one heavy node among light ones', weights: { a: 10, b: 1, c: 1, d: 1, e: 1 } },
];
for (const c of shareCases) {
  test(`weighted rendezvous: each member's share is its weight / the sum (within 5%): ${c.name}`, () => {
    const weights = new Map(Object.entries(c.weights));
    const set = new RendezvousSet(weights.keys(), weights);
    assert.equal(set.uniform, false);
    const keys = uids(40_000);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(set.ownerOf(k)!, (counts.get(set.ownerOf(k)!) ?? 0) + 1);
    const sum = [...weights.values()].reduce((x, y) => x + y, 0);
    for (const [node, w] of weights) {
      const want = (keys.length * w) / sum;
      const got = counts.get(node) ?? 0;
      assert.ok(Math.abs(got - want) < want * 0.05, `${node}: ${got}, want ${want}`);
    }
  });
}

test('equal weights (all 3) give exactly the unweighted owners', () => {
  const names = ['a', 'b', 'c', 'd'];
  const plain = new RendezvousSet(names);
  const three = new RendezvousSet(names, new Map(names.map((n) => [n, 3])));
  assert.equal(three.uniform, true);
  for (const k of uids(2_000)) assert.equal(three.ownerOf(k), plain.ownerOf(k));
});

test('weighted: a joining member takes keys only for itself, a leaving one gives only its own', () => {
  const before = new RendezvousSet(
    ['a', 'b', 'c'],
    new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]),
  );
  const joined = new RendezvousSet(
    ['a', 'b', 'c', 'd'],
    new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 2],
    ]),
  );
  const left = new RendezvousSet(
    ['a', 'c'],
    new Map([
      ['a', 1],
      ['c', 3],
    ]),
  );
  for (const k of uids(5_000)) {
    const h = hashString(k);
    const from = before.ownerOfHash(h);
    const j = joined.ownerOfHash(h);
    assert.ok(j === from || j === 'd', `${k}: ${from} -> ${j} on a join`);
    const l = left.ownerOfHash(h);
    assert.ok(l === from || from === 'b', `${k}: ${from} -> ${l} on a leave`);
  }
});
