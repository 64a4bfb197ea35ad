import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairStatusQueue, type QueuedEntry, type StatusPriority } from '../../../src/kube/status-queue.ts';

// Named instants: the queue takes `now` as an argument.
const T0 = 1_000;
const LATER = T0 + 500;

const entry = (id: string, priority: StatusPriority, notBefore = T0): QueuedEntry => ({
  id,
  priority,
  notBefore,
});

/** Take everything ready at `now`, one by one, marking each write done at once. */
function drain(q: FairStatusQueue<QueuedEntry>, now: number): string[] {
  const order: string[] = [];
  for (let e = q.take(now); e; e = q.take(now)) {
    order.push(e.id);
    q.done(e.id, now);
  }
  return order;
}

const rows: { name: string; add: QueuedEntry[]; want: string[] }[] = [
  {
    name: 'FIFO inside one class',
    add: [entry('a', 'routine'), entry('b', 'routine'), entry('c', 'routine')],
    want: ['a', 'b', 'c'],
  },
  {
    name: 'a first status goes ahead of an earlier backlog of routine refreshes',
    add: [entry('r1', 'routine'), entry('r2', 'routine'), entry('new', 'first')],
    want: ['new', 'r1', 'r2'],
  },
  {
    name: 'run events go ahead of first statuses and routine refreshes',
    add: [entry('r1', 'routine'), entry('f1', 'first'), entry('run', 'run')],
    want: ['run', 'f1', 'r1'],
  },
  {
    name: 'fair: against a flood of run events, a first status waits at most 3 writes',
    add: [entry('f1', 'first'), ...Array.from({ length: 8 }, (_, i) => entry(`run${i}`, 'run'))],
    want: ['run0', 'run1', 'run2', 'f1', 'run3', 'run4', 'run5', 'run6', 'run7'],
  },
  {
    name: 'fair: routine is served at least 1 write in 8 against higher classes',
    add: [
      entry('r1', 'routine'),
      entry('r2', 'routine'),
      ...Array.from({ length: 16 }, (_, i) => entry(`f${i}`, 'first')),
    ],
    want: [
      ...['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'r1'],
      ...['f7', 'f8', 'f9', 'f10', 'f11', 'f12', 'f13', 'r2'],
      ...['f14', 'f15'],
    ],
  },
];

for (const row of rows) {
  test(`FairStatusQueue: ${row.name}`, () => {
    const q = new FairStatusQueue<QueuedEntry>();
    for (const e of row.add) q.add(e, T0);
    assert.deepEqual(drain(q, T0), row.want);
    assert.equal(q.size, 0);
  });
}

test('FairStatusQueue: a promotion moves a pending entry to the higher class, never down', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('a', 'routine'), T0);
  q.add(entry('b', 'routine'), T0);
  q.add(entry('c', 'first'), T0);
  q.promote('b', 'run');
  q.promote('c', 'routine'); // not a demotion
  assert.deepEqual(drain(q, T0), ['b', 'c', 'a']);
});

test('FairStatusQueue: a delayed entry (retry backoff) is not taken before its time', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('late', 'run', LATER), T0);
  q.add(entry('now', 'routine'), T0);
  assert.equal(q.nextDelayedAt(), LATER);
  assert.deepEqual(drain(q, T0), ['now']);
  assert.equal(q.hasReady(LATER - 1), false);
  assert.deepEqual(drain(q, LATER), ['late']);
  assert.equal(q.nextDelayedAt(), Number.POSITIVE_INFINITY);
});

test('FairStatusQueue: expediteAll makes delayed entries ready at once', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('late', 'routine', LATER), T0);
  q.expediteAll();
  assert.deepEqual(drain(q, T0), ['late']);
});

test('FairStatusQueue: a change of an object in flight waits for that write (order per object)', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('a', 'routine'), T0);
  const first = q.take(T0);
  assert.equal(first?.id, 'a');
  q.add(entry('a', 'run'), T0);
  q.add(entry('b', 'routine'), T0);
  // 'a' is blocked behind its own write: 'b' goes although 'a' is of a higher class.
  assert.equal(q.take(T0)?.id, 'b');
  assert.equal(q.take(T0), undefined);
  q.done('a', T0);
  assert.equal(q.take(T0)?.id, 'a');
});

test('FairStatusQueue: remove drops a pending entry wherever it waits', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('ready', 'first'), T0);
  q.add(entry('delayed', 'run', LATER), T0);
  assert.ok(q.remove('ready'));
  assert.ok(q.remove('delayed'));
  assert.equal(q.remove('none'), undefined);
  assert.equal(q.size, 0);
  assert.equal(q.nextDelayedAt(), Number.POSITIVE_INFINITY);
  assert.equal(q.take(LATER), undefined);
});

test('FairStatusQueue: at most one pending entry per object', () => {
  const q = new FairStatusQueue<QueuedEntry>();
  q.add(entry('a', 'routine'), T0);
  assert.throws(() => q.add(entry('a', 'run'), T0), /already queued/);
});
