import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { QueuedObserver } from '../../../../src/controller/run-events/queued-observer.ts';
import type { RunEvent, RunSubject } from '../../../../src/controller/run-events/run-event.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { RunEventMetrics } from '../../../../src/metrics/run-event-metrics.ts';
import { settle } from '../../../helpers/wait.ts';

const job: RunSubject = { key: 'default/a', namespace: 'default', name: 'a', uid: 'u', job: undefined };
const missed = (scheduledMs: number): RunEvent => ({
  type: 'Missed',
  job,
  atMs: scheduledMs,
  scheduledMs,
  trigger: 'Schedule',
});
const at = (e: RunEvent) => (e as { scheduledMs: number }).scheduledMs;

test('QueuedObserver: observe returns before the consumer runs; events are consumed one at a time, in order', async () => {
  const consumed: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const observer = new QueuedObserver({
    name: 'slow',
    logger: silentLogger(),
    async consume(e) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await settle();
      consumed.push(at(e));
      inFlight--;
    },
  });
  for (let i = 1; i <= 5; i++) observer.observe(missed(i));
  assert.deepEqual(consumed, [], 'nothing consumed on the publishing path');
  await observer.whenIdle();
  assert.deepEqual(consumed, [1, 2, 3, 4, 5]);
  assert.equal(maxInFlight, 1);
});

test('QueuedObserver: a full queue drops the newest events and counts them; memory stays bounded', async () => {
  const registry = new Registry();
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const consumed: number[] = [];
  const observer = new QueuedObserver({
    name: 'stuck',
    capacity: 3,
    logger: silentLogger(),
    metrics: new RunEventMetrics(registry),
    async consume(e) {
      await gate;
      consumed.push(at(e));
    },
  });
  // Published in one go (as one dispatcher turn would): three are kept, seven dropped.
  for (let i = 1; i <= 10; i++) observer.observe(missed(i));
  assert.equal(observer.queuedCount, 3);
  assert.equal(observer.droppedCount, 7);
  await settle();
  // The first is being consumed; the queue has room for one more.
  assert.equal(observer.queuedCount, 2);
  observer.observe(missed(11));
  observer.observe(missed(12));
  assert.equal(observer.droppedCount, 8);
  const dropped = await registry.getSingleMetric('ofelia_run_event_observer_dropped_total')?.get();
  assert.equal(dropped?.values[0]?.value, 8);
  release();
  await observer.whenIdle();
  assert.deepEqual(consumed, [1, 2, 3, 11]);
});

test('QueuedObserver: a consumer that rejects is counted; the next event is still consumed', async () => {
  const registry = new Registry();
  const consumed: number[] = [];
  const observer = new QueuedObserver({
    name: 'flaky',
    logger: silentLogger(),
    metrics: new RunEventMetrics(registry),
    consume(e) {
      if (at(e) === 1) throw new Error('endpoint down');
      consumed.push(at(e));
    },
  });
  observer.observe(missed(1));
  observer.observe(missed(2));
  await observer.whenIdle();
  assert.deepEqual(consumed, [2]);
  const errors = await registry.getSingleMetric('ofelia_run_event_observer_errors_total')?.get();
  assert.equal(errors?.values[0]?.value, 1);
});

test('QueuedObserver: events it does not accept are ignored without being queued', async () => {
  const consumed: string[] = [];
  const observer = new QueuedObserver({
    name: 'finished-only',
    logger: silentLogger(),
    accepts: (e) => e.type === 'Finished',
    consume: (e) => {
      consumed.push(e.type);
    },
  });
  observer.observe(missed(1));
  assert.equal(observer.queuedCount, 0);
  await observer.whenIdle();
  assert.deepEqual(consumed, []);
});
