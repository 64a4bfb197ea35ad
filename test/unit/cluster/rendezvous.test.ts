import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashString, RendezvousSet } from '../../../src/cluster/rendezvous.ts';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
const uids = (n: number) => Array.from({ length: n }, (_, i) => `uid-${i}-0000-4000-8000`);

test('hashString: deterministic 32-bit values that differ for near-equal strings', () => {
  assert.equal(hashString('abc'), hashString('abc'));
  assert.notEqual(hashString('node-1'), hashString('node-2'));
  for (const s of ['', 'a', 'node-1', 'ü€']) {
    const h = hashString(s);
    assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32, s);
  }
});

test('the owner is a member, the same whatever the order the set was given in', () => {
  const a = new RendezvousSet(['c', 'a', 'b']);
  const b = new RendezvousSet(['b', 'c', 'a', 'a']);
  assert.deepEqual(a.names, ['a', 'b', 'c']);
  for (const uid of uids(200)) {
    const owner = a.ownerOf(uid);
    assert.ok(owner && a.has(owner));
    assert.equal(b.ownerOf(uid), owner);
  }
  assert.equal(new RendezvousSet([]).ownerOf('x'), undefined);
});

const moveCases = [
  { name: 'one of 3 leaves', before: nodes(3), after: nodes(3).slice(1) },
  { name: 'one joins 3', before: nodes(3), after: nodes(4) },
  { name: 'one of 50 leaves', before: nodes(50), after: nodes(50).filter((n) => n !== 'node-17') },
  { name: 'one joins 50', before: nodes(50), after: nodes(51) },
];
for (const c of moveCases) {
  test(`membership change moves only the keys it must: ${c.name}`, () => {
    const before = new RendezvousSet(c.before);
    const after = new RendezvousSet(c.after);
    const left = c.before.filter((n) => !c.after.includes(n));
    const joined = c.after.filter((n) => !c.before.includes(n));
    let moved = 0;
    const keys = uids(20_000);
    for (const uid of keys) {
      const from = before.ownerOf(uid)!;
      const to = after.ownerOf(uid)!;
      if (from === to) continue;
      moved++;
      // A key moves only off a member that left, or onto one that joined.
      assert.ok(left.includes(from) || joined.includes(to), `${uid}: ${from} -> ${to}`);
    }
    const n = Math.max(c.before.length, c.after.length);
    const ideal = keys.length / n;
    assert.ok(Math.abs(moved - ideal) < ideal * 0.15, `moved ${moved}, ideal ${ideal}`);
  });
}

test('balance: 20,000 keys over 10 members, each within 10% of the mean', () => {
  const set = new RendezvousSet(nodes(10));
  const counts = new Map<string, number>();
  for (const uid of uids(20_000)) counts.set(set.ownerOf(uid)!, (counts.get(set.ownerOf(uid)!) ?? 0) + 1);
  assert.equal(counts.size, 10);
  for (const [node, count] of counts) assert.ok(Math.abs(count - 2000) < 200, `${node}: ${count}`);
});
