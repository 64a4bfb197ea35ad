import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { ObjectKey, StatusPatch } from '../../../src/api/job-reporting.ts';
import { StatusWriter } from '../../../src/kube/status-writer.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { TokenBucket } from '../../../src/machinery/token-bucket.ts';
import { ControllerMetrics } from '../../../src/metrics/controller-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/**
 * A fake status subresource (a test double for the API server, documented as such): it records
 * every patch, answers each one when the test says so (or at once in auto mode), and can fail with
 * an HTTP code. It knows nothing about objects or resourceVersions.
 */
class FakeStatusApi {
  readonly calls: { key: string; patch: StatusPatch }[] = [];
  private readonly pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  auto = true;
  failures: number[] = [];

  readonly patch = (key: ObjectKey, patch: StatusPatch): Promise<void> => {
    this.calls.push({ key: `${key.namespace}/${key.name}`, patch });
    const code = this.failures.shift();
    if (code !== undefined) return Promise.reject(Object.assign(new Error(`HTTP ${code}`), { code }));
    if (this.auto) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  };

  answerAll(): void {
    for (const p of this.pending.splice(0)) p.resolve();
  }
}

/** One turn of the event loop (not settle(): these tests check what happens between turns). */
const oneTurn = () => new Promise((resolve) => setImmediate(resolve));
const key = (name: string): ObjectKey => ({ namespace: 'default', name });

function setup(opts: { rate?: number; burst?: number; maxInFlight?: number } = {}) {
  const clock = new FakeClock();
  const api = new FakeStatusApi();
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  const writer = new StatusWriter({
    patch: api.patch,
    clock,
    logger: silentLogger(),
    metrics,
    bucket: new TokenBucket({ ratePerSecond: opts.rate ?? 20, burst: opts.burst ?? 1, clock }),
    maxInFlight: opts.maxInFlight ?? 4,
  });
  const writes = async (result: string) =>
    (await registry.getSingleMetric('ofelia_status_writes_total')?.get())?.values.find(
      (v) => v.labels.result === result,
    )?.value ?? 0;
  return { clock, api, writer, writes };
}

test('StatusWriter: changes to one object while a write is in flight are composed into one write', async () => {
  const { api, writer, clock } = setup({ rate: 1 });
  api.auto = false;
  writer.submit(key('a'), { lastResult: 'Failed', activeCount: 1 });
  writer.submit(key('a'), { lastResult: 'Succeeded' });
  writer.submit(key('a'), {
    counters: { succeeded: 1, failed: 0, missed: 0, skipped: 0 },
    activeCount: null,
  });
  assert.equal(api.calls.length, 1);
  api.answerAll();
  await oneTurn();
  clock.advance(1000);
  await oneTurn();
  assert.equal(api.calls.length, 2);
  assert.deepEqual(api.calls[1]?.patch, {
    lastResult: 'Succeeded',
    counters: { succeeded: 1, failed: 0, missed: 0, skipped: 0 },
    activeCount: null,
  });
  api.answerAll();
  await oneTurn();
  assert.equal(writer.pendingCount, 0);
});

test('StatusWriter: writes stay within the overall rate', async () => {
  const { api, writer, clock } = setup({ rate: 20, burst: 1, maxInFlight: 8 });
  for (let i = 0; i < 100; i++) writer.submit(key(`job-${i}`), { activeCount: i });
  await oneTurn();
  for (let ms = 0; ms < 1000; ms += 10) {
    clock.advance(10);
    await oneTurn();
  }
  // one from the burst plus 20 per second
  assert.equal(api.calls.length, 21);
  assert.equal(writer.pendingCount, 79);
  assert.deepEqual(
    api.calls.slice(0, 3).map((c) => c.key),
    ['default/job-0', 'default/job-1', 'default/job-2'],
    'first submitted, first written',
  );
});

test('StatusWriter: urgent changes go ahead of routine ones', async () => {
  const { api, writer, clock } = setup({ rate: 1, burst: 1 });
  writer.submit(key('r1'), { activeCount: 1 });
  writer.submit(key('r2'), { activeCount: 2 });
  writer.submit(key('u'), { lastScheduleTime: '2026-01-01T00:00:00.000Z' }, { urgent: true });
  writer.submit(key('r2'), { activeCount: 3 }, { urgent: true });
  await oneTurn();
  for (let i = 0; i < 3; i++) {
    clock.advance(1000);
    await oneTurn();
  }
  // r1 took the first token before the urgent ones arrived; then urgent first, in their order.
  assert.deepEqual(
    api.calls.map((c) => c.key),
    ['default/r1', 'default/u', 'default/r2'],
  );
  clock.advance(1000);
  await oneTurn();
  assert.equal(api.calls.length, 3, 'r2 was written once with both of its changes');
  assert.deepEqual(api.calls[2]?.patch, { activeCount: 3 });
});

test('StatusWriter: a failed write is retried with backoff, under newer changes, and counted', async () => {
  const { api, writer, clock, writes } = setup({ rate: 100, burst: 10 });
  api.failures = [503, 500];
  writer.submit(key('a'), { lastResult: 'Failed', activeCount: 1 });
  await oneTurn();
  assert.equal(api.calls.length, 1);
  writer.submit(key('a'), { activeCount: 0 });
  clock.advance(199);
  await oneTurn();
  assert.equal(api.calls.length, 1, 'waits for the first backoff (200 ms)');
  clock.advance(1);
  await oneTurn();
  assert.equal(api.calls.length, 2);
  assert.deepEqual(api.calls[1]?.patch, { lastResult: 'Failed', activeCount: 0 });
  clock.advance(399);
  await oneTurn();
  assert.equal(api.calls.length, 2, 'the second backoff doubles (400 ms)');
  clock.advance(1);
  await oneTurn();
  assert.equal(api.calls.length, 3);
  assert.equal(writer.pendingCount, 0);
  assert.equal(await writes('error'), 2);
  assert.equal(await writes('success'), 1);
});

const dropCases = [
  { name: '404: the object is gone', code: 404, result: 'gone' },
  { name: '422: the server rejects the change', code: 422, result: 'rejected' },
];
for (const c of dropCases) {
  test(`StatusWriter: ${c.name} -> dropped and counted, not retried`, async () => {
    const { api, writer, clock, writes } = setup();
    api.failures = [c.code];
    writer.submit(key('a'), { activeCount: 1 });
    await oneTurn();
    clock.advance(60_000);
    await oneTurn();
    assert.equal(api.calls.length, 1);
    assert.equal(writer.pendingCount, 0);
    assert.equal(await writes(c.result), 1);
  });
}

test('StatusWriter: flush waits for pending writes (skipping backoff) and reports a timeout', async () => {
  const { api, writer, clock } = setup({ rate: 100, burst: 10 });
  api.failures = [500];
  writer.submit(key('a'), { activeCount: 1 });
  await oneTurn();
  const flushed = writer.flush(5000);
  await oneTurn();
  await oneTurn();
  assert.equal(await flushed, true);
  assert.equal(api.calls.length, 2);

  api.auto = false;
  writer.submit(key('b'), { activeCount: 2 });
  const timedOut = writer.flush(1000);
  clock.advance(1000);
  assert.equal(await timedOut, false);
});

test('StatusWriter: forget drops what is pending for a deleted object', async () => {
  const { api, writer, clock } = setup({ rate: 1, burst: 1 });
  writer.submit(key('a'), { activeCount: 1 });
  writer.submit(key('b'), { activeCount: 1 });
  writer.forget(key('b'));
  clock.advance(5000);
  await oneTurn();
  assert.deepEqual(
    api.calls.map((c) => c.key),
    ['default/a'],
  );
});

/** Advance the fake clock in steps, letting the fake API's answers settle between them. */
async function run(clock: FakeClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await oneTurn();
  }
}

test('StatusWriter: a job created behind a backlog of 10,000 routine refreshes gets its first status within 2 s at 20 writes/s', async () => {
  const { api, writer, clock } = setup({ rate: 20, burst: 1, maxInFlight: 4 });
  for (let i = 0; i < 10_000; i++) writer.submit(key(`old-${i}`), { activeCount: 0 });
  await run(clock, 1000);
  const createdAt = clock.now();
  writer.submit(key('new'), { nextScheduleTime: '2026-01-01T01:00:00Z' }, { priority: 'first' });
  let writtenAt: number | undefined;
  for (let t = 0; t < 10_000 && writtenAt === undefined; t += 50) {
    await run(clock, 50);
    if (api.calls.some((c) => c.key === 'default/new')) writtenAt = clock.now();
  }
  assert.ok(writtenAt !== undefined, 'the first status was written');
  assert.ok(writtenAt - createdAt <= 2000, `written ${writtenAt - createdAt} ms after creation`);
  // The backlog is still there and still drains (nothing dropped to get there).
  assert.ok(writer.pendingCount > 9_000);
});

test('StatusWriter: run results go first, and routine refreshes still get their share', async () => {
  const { api, writer, clock } = setup({ rate: 10, burst: 1, maxInFlight: 1 });
  for (let i = 0; i < 20; i++) writer.submit(key(`routine-${i}`), { activeCount: 0 });
  for (let i = 0; i < 20; i++)
    writer.submit(key(`result-${i}`), { lastResult: 'Succeeded' }, { priority: 'run' });
  await run(clock, 1600);
  const order = api.calls.map((c) => c.key.replace('default/', ''));
  assert.equal(order.length, 17);
  // routine-0 took the only token at its submission; then results, with routine served once
  // it was passed over 7 times in a row.
  assert.deepEqual(
    order.map((k) => k.split('-')[0]),
    ['routine', ...Array(7).fill('result'), 'routine', ...Array(7).fill('result'), 'routine'],
  );
  // FIFO inside each class.
  assert.deepEqual(order.filter((k) => k.startsWith('result')).slice(0, 3), [
    'result-0',
    'result-1',
    'result-2',
  ]);
});

test('StatusWriter: onDone is called once per change: written, after retries; gone; forgotten', async () => {
  const { api, writer, clock } = setup({ rate: 100, burst: 10 });
  const outcomes: string[] = [];
  api.failures = [503];
  writer.submit(
    key('a'),
    { lastResult: 'Failed' },
    { priority: 'run', onDone: (o) => outcomes.push(`a1:${o}`) },
  );
  await oneTurn();
  // Submitted while the first write fails: composed into the retry, both reported on its success.
  writer.submit(key('a'), { activeCount: 0 }, { onDone: (o) => outcomes.push(`a2:${o}`) });
  await oneTurn();
  assert.equal(outcomes.length, 0);
  await run(clock, 250, 10);
  assert.deepEqual(outcomes, ['a1:written', 'a2:written']);
  assert.deepEqual(api.calls.at(-1)?.patch, { lastResult: 'Failed', activeCount: 0 });

  api.failures = [404];
  writer.submit(key('b'), { lastResult: 'Failed' }, { onDone: (o) => outcomes.push(`b:${o}`) });
  await oneTurn();
  assert.deepEqual(outcomes.slice(2), ['b:gone']);
});

test('StatusWriter: forget reports a pending change as forgotten', async () => {
  const { writer } = setup({ rate: 1, burst: 1 });
  const outcomes: string[] = [];
  writer.submit(key('x'), { activeCount: 1 }); // takes the only token
  writer.submit(key('d'), { lastResult: 'Failed' }, { onDone: (o) => outcomes.push(`d:${o}`) });
  writer.forget(key('d'));
  assert.deepEqual(outcomes, ['d:forgotten']);
});

test('StatusWriter: a change left unwritten at stop is not reported done (the journal keeps it)', async () => {
  const { api, writer } = setup({ rate: 100, burst: 10 });
  api.auto = false;
  const outcomes: string[] = [];
  writer.submit(key('a'), { lastResult: 'Failed' }, { priority: 'run', onDone: (o) => outcomes.push(o) });
  writer.submit(key('b'), { lastResult: 'Failed' }, { priority: 'run', onDone: (o) => outcomes.push(o) });
  writer.stop();
  await oneTurn();
  assert.equal(outcomes.length, 0);
  assert.equal(writer.pendingCount, 2);
});
