import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ItemExponentialRateLimiter } from '../../../src/machinery/rate-limiter.ts';
import { WorkQueue } from '../../../src/machinery/work-queue.ts';
import { ControllerMetrics } from '../../../src/metrics/controller-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function makeQueue(clock = new FakeClock()) {
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  const queue = new WorkQueue<string>({
    name: 'test',
    clock,
    rateLimiter: new ItemExponentialRateLimiter<string>(5, 1_000_000),
    metrics,
  });
  return { queue, clock, registry };
}

/** Sum of a counter's series. */
async function counterValue(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

test('WorkQueue: duplicates are queued once, FIFO order kept', async () => {
  const { queue } = makeQueue();
  queue.add('a');
  queue.add('b');
  queue.add('a');
  assert.equal(queue.length, 2);
  assert.equal(await queue.get(), 'a');
  assert.equal(await queue.get(), 'b');
  assert.equal(queue.length, 0);
});

test('WorkQueue: an item re-added while processing is processed again after done, never twice at once', async () => {
  const { queue } = makeQueue();
  queue.add('a');
  const first = await queue.get();
  assert.equal(first, 'a');
  queue.add('a');
  queue.add('a');
  assert.equal(queue.length, 0, 'not handed out while processing');
  queue.done('a');
  assert.equal(queue.length, 1);
  assert.equal(await queue.get(), 'a');
  queue.done('a');
  assert.equal(queue.length, 0);
});

test('WorkQueue: a blocked get() receives the next add', async () => {
  const { queue } = makeQueue();
  const pending = queue.get();
  queue.add('x');
  assert.equal(await pending, 'x');
});

test('WorkQueue: addAfter waits on the clock and keeps the earliest time', async () => {
  const { queue, clock } = makeQueue();
  queue.addAfter('a', 1000);
  queue.addAfter('a', 300);
  queue.addAfter('a', 5000);
  assert.equal(queue.waitingCount, 1);
  clock.advance(299);
  assert.equal(queue.length, 0);
  clock.advance(1);
  assert.equal(queue.length, 1);
  assert.equal(queue.waitingCount, 0);
  clock.advance(10_000);
  assert.equal(queue.length, 1, 'the later times were folded into the earliest');
});

test('WorkQueue: addRateLimited backs off per item; forget resets', async () => {
  const { queue, clock, registry } = makeQueue();
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const before = clock.now();
    queue.addRateLimited('a');
    while (queue.length === 0) clock.advance(1);
    delays.push(clock.now() - before);
    assert.equal(await queue.get(), 'a');
    queue.done('a');
  }
  assert.deepEqual(delays, [5, 10, 20, 40]);
  assert.equal(queue.numRequeues('a'), 4);
  queue.forget('a');
  assert.equal(queue.numRequeues('a'), 0);
  assert.equal(await counterValue(registry, 'workqueue_retries_total'), 4);
});

test('WorkQueue: shutdown releases getters and refuses adds', async () => {
  const { queue, clock } = makeQueue();
  const pending = queue.get();
  queue.addAfter('later', 100);
  queue.shutdown();
  assert.equal(await pending, undefined);
  queue.add('a');
  clock.advance(1000);
  assert.equal(queue.length, 0);
  assert.equal(await queue.get(), undefined);
});

test('WorkQueue: metrics count adds, depth and durations', async () => {
  const { queue, clock, registry } = makeQueue();
  queue.add('a');
  queue.add('b');
  queue.add('a');
  const depth = await registry.getSingleMetric('workqueue_depth')?.get();
  assert.equal(depth?.values[0]?.value, 2);
  assert.equal(await counterValue(registry, 'workqueue_adds_total'), 2);
  clock.advance(250);
  const item = await queue.get();
  clock.advance(500);
  queue.done(item!);
  const queued = await registry.getSingleMetric('workqueue_queue_duration_seconds')?.get();
  const sum = queued?.values.find(
    (v) => (v as { metricName?: string }).metricName === 'workqueue_queue_duration_seconds_sum',
  );
  assert.equal(sum?.value, 0.25);
  const work = await registry.getSingleMetric('workqueue_work_duration_seconds')?.get();
  assert.equal(
    work?.values.find(
      (v) => (v as { metricName?: string }).metricName === 'workqueue_work_duration_seconds_sum',
    )?.value,
    0.5,
  );
});
