import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DaemonGuard } from '../../../src/docker/daemon-guard.ts';
import {
  DaemonUnavailableError,
  DockerApiError,
  DockerTimeoutError,
  DockerTransportError,
  isDaemonFault,
} from '../../../src/docker/errors.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { DockerMetrics } from '../../../src/metrics/docker-metrics.ts';

const faults: { name: string; error: unknown; fault: boolean }[] = [
  { name: 'transport', error: new DockerTransportError('d', 'ping', 'ECONNREFUSED', 'refused'), fault: true },
  { name: 'timeout', error: new DockerTimeoutError('d', 'ping', 'headers', 10), fault: true },
  { name: '500', error: new DockerApiError('d', 'ping', 500, 'boom'), fault: true },
  { name: '503', error: new DockerApiError('d', 'ping', 503, 'busy'), fault: true },
  {
    name: '404',
    error: new DockerApiError('d', 'container.inspect', 404, 'No such container'),
    fault: false,
  },
  { name: '409', error: new DockerApiError('d', 'container.create', 409, 'Conflict'), fault: false },
  { name: 'abort', error: Object.assign(new Error('aborted'), { name: 'AbortError' }), fault: false },
];
for (const c of faults) {
  test(`isDaemonFault: ${c.name} -> ${c.fault}`, () => assert.equal(isDaemonFault(c.error), c.fault));
}

function guard(
  overrides: Partial<{
    breakerThreshold: number;
    halfOpenAfterMs: number;
    bulkheadLimit: number;
    bulkheadQueue: number;
  }> = {},
) {
  const registry = new Registry();
  const metrics = new DockerMetrics(registry);
  const g = new DaemonGuard(
    'd',
    { breakerThreshold: 3, halfOpenAfterMs: 20, bulkheadLimit: 2, bulkheadQueue: 1, ...overrides },
    silentLogger(),
    metrics,
  );
  return { g, registry };
}
const refused = () =>
  Promise.reject(new DockerTransportError('d', 'ping', 'ECONNREFUSED', 'connect ECONNREFUSED'));

test('DaemonGuard: opens after N consecutive faults, then fails fast without calling', async () => {
  const { g, registry } = guard();
  for (let i = 0; i < 3; i++) await assert.rejects(g.execute('ping', refused), DockerTransportError);
  assert.equal(g.state, 'open');
  let called = false;
  await assert.rejects(
    g.execute('ping', async () => {
      called = true;
    }),
    (e: unknown) =>
      e instanceof DaemonUnavailableError &&
      e.reason === 'DaemonUnavailable' &&
      /ECONNREFUSED/.test(e.message),
  );
  assert.equal(called, false);
  const text = await registry.metrics();
  assert.match(text, /ofelia_docker_breaker_state\{daemon="d"\} 2/);
  assert.match(
    text,
    /ofelia_docker_request_errors_total\{daemon="d",operation="ping",reason="DaemonUnavailable"\} 1/,
  );
});

test('DaemonGuard: 404 and 409 answers never open the breaker and reset the fault count', async () => {
  const { g } = guard();
  const notFound = () =>
    Promise.reject(new DockerApiError('d', 'container.inspect', 404, 'No such container: x'));
  for (let i = 0; i < 2; i++) await assert.rejects(g.execute('ping', refused));
  for (let i = 0; i < 10; i++) await assert.rejects(g.execute('container.inspect', notFound), DockerApiError);
  await assert.rejects(g.execute('ping', refused));
  await assert.rejects(g.execute('ping', refused));
  assert.equal(g.state, 'closed', 'the 404s count as answers, so two faults after them do not open it');
});

test('DaemonGuard: half-opens after the wait and closes on a good call', async () => {
  const { g, registry } = guard();
  for (let i = 0; i < 3; i++) await assert.rejects(g.execute('ping', refused));
  assert.equal(g.state, 'open');
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(await g.execute('ping', async () => 'OK'), 'OK');
  assert.equal(g.state, 'closed');
  assert.match(
    await registry.metrics(),
    /ofelia_docker_breaker_transitions_total\{daemon="d",state="halfOpen"\} 1/,
  );
});

test('DaemonGuard: a full bulkhead and queue refuse at once with DaemonUnavailable', async () => {
  const { g } = guard({ bulkheadLimit: 2, bulkheadQueue: 1 });
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const held = [0, 1, 2].map(() => g.execute('ping', () => gate));
  assert.equal(g.queued, 1);
  await assert.rejects(
    g.execute('ping', async () => undefined),
    (e: unknown) => e instanceof DaemonUnavailableError && /queued/.test(e.message),
  );
  release();
  await Promise.all(held);
  assert.equal(g.queued, 0);
  assert.equal(g.state, 'closed', 'bulkhead refusals are not daemon faults');
});

test('DaemonGuard: while half-open, one trial reaches the daemon and the others wait for its outcome', async () => {
  // cockatiel's halfOpenAfter runs on real time: a short one, waited out with margin.
  const g = new DaemonGuard(
    'd',
    { breakerThreshold: 1, halfOpenAfterMs: 20, bulkheadLimit: 10, bulkheadQueue: 10 },
    silentLogger(),
  );
  await assert.rejects(g.execute('ping', refused), DockerTransportError);
  assert.equal(g.state, 'open');
  await new Promise((r) => setTimeout(r, 40));
  let release: (v: string) => void = () => {};
  let calls = 0;
  const trial = g.execute('ping', () => {
    calls++;
    return new Promise<string>((r) => {
      release = r;
    });
  });
  assert.equal(g.state, 'halfOpen');
  const waiting = g.execute('ping', async () => {
    calls++;
    return 'second';
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 1, 'only the trial reached the daemon');
  release('OK');
  assert.equal(await trial, 'OK');
  assert.equal(await waiting, 'second');
  assert.equal(g.state, 'closed');
});

test('DaemonGuard: queued calls run in order as slots free, and a fault still counts', async () => {
  const g = new DaemonGuard(
    'd',
    { breakerThreshold: 1, halfOpenAfterMs: 60_000, bulkheadLimit: 1, bulkheadQueue: 2 },
    silentLogger(),
  );
  const order: number[] = [];
  let release: () => void = () => {};
  const first = g.execute('ping', () => {
    order.push(1);
    return new Promise<void>((r) => {
      release = r;
    });
  });
  const second = g.execute('ping', async () => {
    order.push(2);
  });
  const third = g.execute('ping', () => {
    order.push(3);
    return refused();
  });
  assert.equal(g.queued, 2);
  release();
  await first;
  await second;
  await assert.rejects(third, DockerTransportError);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(g.state, 'open', 'the queued call’s transport error opened the breaker');
});
