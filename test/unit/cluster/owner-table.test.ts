import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OwnerTable } from '../../../src/cluster/owner-table.ts';
import { RendezvousSet } from '../../../src/cluster/rendezvous.ts';

const nodes = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `node-${String(i + from).padStart(3, '0')}`);
const uids = Array.from({ length: 5_000 }, (_, i) => `uid-${i}-0000-4000-8000`);
const weighted = (names: string[], w: (i: number) => number) =>
  new RendezvousSet(names, new Map(names.map((n, i) => [n, w(i)])));

const cases: {
  name: string;
  // ---- the change
  before: RendezvousSet;
  after: RendezvousSet;
  // ---- what the table must do
  mode: 'unchanged' | 'incremental' | 'reset';
}[] = [
  {
    name: 'nothing changed',
    before: new RendezvousSet(nodes(20)),
    after: new RendezvousSet(nodes(20)),
    mode: 'unchanged',
  },
  {
    name: 'one joins 20',
    before: new RendezvousSet(nodes(20)),
    after: new RendezvousSet(nodes(21)),
    mode: 'incremental',
  },
  {
    name: 'one of 20 leaves',
    before: new RendezvousSet(nodes(20)),
    after: new RendezvousSet(nodes(20).filter((n) => n !== 'node-007')),
    mode: 'incremental',
  },
  {
    name: 'one leaves and two join at once',
    before: new RendezvousSet(nodes(20)),
    after: new RendezvousSet([...nodes(20).filter((n) => n !== 'node-003'), 'node-100', 'node-000a']),
    mode: 'incremental',
  },
  {
    name: 'weighted: one joins (weights kept)',
    before: weighted(nodes(20), (i) => 1 + (i % 4)),
    after: weighted(nodes(21), (i) => 1 + (i % 4)),
    mode: 'incremental',
  },
  {
    name: 'weighted: one leaves',
    before: weighted(nodes(20), (i) => 1 + (i % 4)),
    after: weighted(nodes(19), (i) => 1 + (i % 4)),
    mode: 'incremental',
  },
  {
    name: 'a weight changed: start over',
    before: weighted(nodes(20), (i) => 1 + (i % 4)),
    after: weighted(nodes(20), (i) => (i === 5 ? 9 : 1 + (i % 4))),
    mode: 'reset',
  },
  {
    name: 'uniform to weighted: start over',
    before: new RendezvousSet(nodes(20)),
    after: weighted(nodes(20), (i) => (i === 0 ? 2 : 1)),
    mode: 'reset',
  },
  {
    name: 'half the set replaced: start over',
    before: new RendezvousSet(nodes(20)),
    after: new RendezvousSet(nodes(20, 10)),
    mode: 'reset',
  },
  { name: 'from empty', before: new RendezvousSet([]), after: new RendezvousSet(nodes(3)), mode: 'reset' },
  { name: 'to empty', before: new RendezvousSet(nodes(3)), after: new RendezvousSet([]), mode: 'reset' },
];

for (const c of cases) {
  test(`OwnerTable answers as the set itself after a change: ${c.name}`, () => {
    const table = new OwnerTable();
    table.update(c.before);
    const ownersBefore = uids.map((u) => table.ownerOf(u));
    assert.deepEqual(
      ownersBefore,
      uids.map((u) => c.before.ownerOf(u)),
    );
    const result = table.update(c.after);
    assert.equal(result.mode, c.mode);
    const ownersAfter = uids.map((u) => table.ownerOf(u));
    assert.deepEqual(
      ownersAfter,
      uids.map((u) => c.after.ownerOf(u)),
    );
    if (c.mode === 'incremental') {
      const moved = ownersAfter.filter((o, i) => o !== ownersBefore[i]).length;
      assert.equal(result.moved, moved);
    }
  });
}

test('OwnerTable: bounded (starts over past its limit), forget drops a job', () => {
  const table = new OwnerTable(100);
  table.update(new RendezvousSet(nodes(5)));
  for (const u of uids.slice(0, 250)) table.ownerOf(u);
  assert.ok(table.size <= 100);
  table.forget(uids[249]!);
  assert.equal(table.ownerOf(uids[249]!), new RendezvousSet(nodes(5)).ownerOf(uids[249]!));
});
