import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryError } from '../../../src/notify/delivery-error.ts';
import { type DeliveryOutcome, DeliveryWorker } from '../../../src/notify/delivery-worker.ts';
import type { Notification } from '../../../src/notify/notification.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { settle } from '../../helpers/wait.ts';

const note = (job: string): Notification => ({
  event: 'Failed',
  namespace: 'ns',
  job,
  result: 'Failed',
  suppressed: 0,
  atMs: 0,
});

function worker(deliver: (n: Notification) => Promise<void>, queueLimit = 10, retries = 2) {
  const clock = new FakeClock();
  const outcomes: DeliveryOutcome[] = [];
  const w = new DeliveryWorker({
    clock,
    deliver,
    policy: () => ({ retries, initialBackoffMs: 1000, maxBackoffMs: 1500, queueLimit }),
    onOutcome: (o) => outcomes.push(o),
  });
  return { w, clock, outcomes };
}

test('a failing delivery is retried with backoff on the clock, then reported with its attempts', async () => {
  let calls = 0;
  const { w, clock, outcomes } = worker(async () => {
    calls++;
    throw new DeliveryError('HttpStatus', 'HTTP 503');
  });
  assert.equal(w.offer(note('a')), true);
  await settle();
  assert.equal(calls, 1);
  clock.advance(999);
  await settle();
  assert.equal(calls, 1, 'first retry after 1 s');
  clock.advance(1);
  await settle();
  assert.equal(calls, 2);
  clock.advance(1500); // doubled, capped at 1.5 s
  await settle();
  assert.equal(calls, 3);
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]?.ok, false);
  assert.equal(outcomes[0]?.attempts, 3);
  assert.equal(outcomes[0]?.error?.reason, 'HttpStatus');
});

test('an answer a retry cannot change (retryable=false) is not retried', async () => {
  let calls = 0;
  const { w, outcomes } = worker(async () => {
    calls++;
    throw new DeliveryError('HttpStatus', 'HTTP 404', false);
  });
  w.offer(note('a'));
  await w.whenIdle();
  assert.equal(calls, 1);
  assert.equal(outcomes[0]?.attempts, 1);
});

test('the queue is bounded: beyond queueLimit offers are refused, the rest delivered in order', async () => {
  const seen: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const { w, outcomes } = worker(async (n) => {
    await gate;
    seen.push(n.job);
  }, 2);
  assert.equal(w.offer(note('a')), true);
  await settle(); // 'a' is taken by the drain loop and waits at the gate
  assert.equal(w.offer(note('b')), true);
  assert.equal(w.offer(note('c')), true);
  assert.equal(w.offer(note('d')), false, 'full');
  release();
  await w.whenIdle();
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.ok(outcomes.every((o) => o.ok));
});

test('stop ends a retry wait at once and refuses new messages', async () => {
  const { w, clock, outcomes } = worker(
    async () => {
      throw new DeliveryError('Timeout', 'no answer');
    },
    10,
    5,
  );
  w.offer(note('a'));
  await settle();
  assert.equal(clock.pending, 1, 'waiting for a retry');
  await w.stop();
  assert.equal(outcomes.length, 1);
  assert.equal(outcomes[0]?.ok, false);
  assert.equal(w.offer(note('b')), false);
});
