import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunSlots } from '../../../src/controller/run-slots.ts';

/**
 * Steps against one RunSlots<string>: `start d x` starts x on daemon d if a slot is free, else
 * queues it (or records it as refused); `end d` frees a slot of d and starts what it admits (as
 * the dispatcher does); `drop x` removes waiting x.
 */
type Step = `start ${string} ${string}` | `end ${string}` | `drop ${string}` | 'takeAll';

interface Case {
  name: string;
  max: number;
  queue: number;
  steps: Step[];
  wantStarted: string[];
  wantRefused: string[];
  wantWaiting: number;
  wantTaken?: string[];
}

const cases: Case[] = [
  {
    name: 'under the limit everything starts',
    max: 2,
    queue: 5,
    steps: ['start local a', 'start local b'],
    wantStarted: ['a', 'b'],
    wantRefused: [],
    wantWaiting: 0,
  },
  {
    name: 'over the limit runs wait and start in FIFO order as slots free',
    max: 1,
    queue: 5,
    steps: ['start local a', 'start local b', 'start local c', 'end local', 'end local'],
    wantStarted: ['a', 'b', 'c'],
    wantRefused: [],
    wantWaiting: 0,
  },
  {
    name: 'a full queue refuses, the ones queued keep their place',
    max: 1,
    queue: 1,
    steps: ['start local a', 'start local b', 'start local c', 'end local'],
    wantStarted: ['a', 'b'],
    wantRefused: ['c'],
    wantWaiting: 0,
  },
  {
    name: 'a zero queue limit refuses everything over the limit',
    max: 1,
    queue: 0,
    steps: ['start local a', 'start local b'],
    wantStarted: ['a'],
    wantRefused: ['b'],
    wantWaiting: 0,
  },
  {
    name: 'daemons have their own slots but share the queue bound',
    max: 1,
    queue: 1,
    steps: ['start d1 a', 'start d2 b', 'start d1 c', 'start d2 d', 'end d2'],
    wantStarted: ['a', 'b'],
    wantRefused: ['d'],
    wantWaiting: 1,
  },
  {
    name: 'a freed slot of one daemon never starts a run waiting for another',
    max: 1,
    queue: 5,
    steps: ['start d1 a', 'start d2 b', 'start d1 c', 'end d2'],
    wantStarted: ['a', 'b'],
    wantRefused: [],
    wantWaiting: 1,
  },
  {
    name: 'removed waiting runs never start and free their queue place',
    max: 1,
    queue: 2,
    steps: ['start local a', 'start local b', 'start local c', 'drop b', 'start local d', 'end local'],
    wantStarted: ['a', 'c'],
    wantRefused: [],
    wantWaiting: 1,
  },
  {
    name: 'takeAll empties the queue in order',
    max: 1,
    queue: 5,
    steps: ['start local a', 'start local b', 'start local c', 'takeAll', 'end local'],
    wantStarted: ['a'],
    wantRefused: [],
    wantWaiting: 0,
    wantTaken: ['b', 'c'],
  },
  {
    name: 'a limit below 1 is 1',
    max: 0,
    queue: 5,
    steps: ['start local a', 'start local b'],
    wantStarted: ['a'],
    wantRefused: [],
    wantWaiting: 1,
  },
];

for (const c of cases) {
  test(`RunSlots: ${c.name}`, () => {
    const gauge: number[] = [];
    const slots = new RunSlots<string>({
      maxPerDaemon: c.max,
      queueLimit: c.queue,
      onQueuedChange: (n) => gauge.push(n),
    });
    const started: string[] = [];
    const refused: string[] = [];
    let taken: string[] | undefined;
    for (const step of c.steps) {
      const [verb, a, b] = step.split(' ');
      if (verb === 'start' && a && b) {
        if (slots.hasFree(a)) {
          slots.acquire(a);
          started.push(b);
        } else if (!slots.enqueue(a, b)) refused.push(b);
      } else if (verb === 'end' && a) {
        slots.release(a);
        for (let next = slots.next(a); next; next = slots.next(a)) {
          slots.acquire(a);
          started.push(next);
        }
      } else if (verb === 'drop' && a) {
        assert.deepEqual(
          slots.removeWhere((x) => x === a),
          [a],
        );
      } else if (verb === 'takeAll') {
        taken = slots.takeAll();
      }
    }
    assert.deepEqual(started, c.wantStarted);
    assert.deepEqual(refused, c.wantRefused);
    assert.equal(slots.queuedCount, c.wantWaiting);
    assert.equal(gauge.at(-1) ?? 0, c.wantWaiting, 'the gauge follows the queue');
    if (c.wantTaken) assert.deepEqual(taken, c.wantTaken);
  });
}

test('RunSlots: acquire may go over the limit (adopted runs); next admits nothing until below it', () => {
  const slots = new RunSlots<string>({ maxPerDaemon: 1, queueLimit: 5 });
  slots.acquire('local');
  slots.acquire('local');
  assert.equal(slots.running('local'), 2);
  assert.equal(slots.hasFree('local'), false);
  assert.ok(slots.enqueue('local', 'x'));
  slots.release('local');
  assert.equal(slots.next('local'), undefined, 'still at the limit');
  slots.release('local');
  assert.equal(slots.next('local'), 'x');
  assert.equal(slots.queuedCount, 0);
});

test('RunSlots: next hands out one waiting run per free slot; a dropped one leaves the slot free', () => {
  const slots = new RunSlots<string>({ maxPerDaemon: 2, queueLimit: 5 });
  slots.acquire('local');
  slots.acquire('local');
  for (const x of ['a', 'b', 'c']) assert.ok(slots.enqueue('local', x));
  slots.release('local');
  assert.equal(slots.next('local'), 'a');
  // The caller drops `a` (its job was deleted) instead of starting it: the slot stays free.
  assert.equal(slots.next('local'), 'b');
  slots.acquire('local');
  assert.equal(slots.next('local'), undefined);
  assert.equal(slots.queuedCount, 1);
});
