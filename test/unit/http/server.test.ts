import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { type ObservabilityServer, startObservabilityServer } from '../../../src/http/index.ts';
import { silentLogger } from '../../../src/log/logger.ts';

let server: ObservabilityServer;
let dockerReachable = false;

before(async () => {
  const registry = new Registry();
  const runs = new Counter({
    name: 'test_runs_total',
    help: 'runs',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  runs.inc({ result: 'Succeeded' }, 3);
  server = await startObservabilityServer({
    listen: { host: '127.0.0.1', port: 0 },
    registry,
    liveness: [{ name: 'event-loop', check: () => {} }],
    readiness: [
      {
        name: 'docker-local',
        check: () => {
          if (!dockerReachable) throw new Error('connect ENOENT /nonexistent.sock');
        },
      },
    ],
    logger: silentLogger(),
  });
});

after(async () => {
  await server.close();
});

async function get(path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(server.url + path, { method, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

test('/metrics serves the registry in the Prometheus text format', async () => {
  const r = await get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type, /^text\/plain; version=0\.0\.4/);
  assert.match(r.body, /^# HELP test_runs_total runs$/m);
  assert.match(r.body, /^test_runs_total\{result="Succeeded"\} 3$/m);
});

test('/healthz answers ok while liveness checks pass', async () => {
  assert.deepEqual(await get('/healthz'), { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n' });
  assert.equal((await get('/healthz?verbose')).body, '[+]event-loop ok\nhealthz check passed\n');
});

test('/readyz is 503 with the failing reason, then 200 once the check passes', async () => {
  dockerReachable = false;
  const failing = await get('/readyz');
  assert.equal(failing.status, 503);
  assert.equal(
    failing.body,
    '[-]docker-local failed: connect ENOENT /nonexistent.sock\nreadyz check failed\n',
  );
  const verbose = await get('/readyz?verbose');
  assert.equal(
    verbose.body,
    '[+]event-loop ok\n[-]docker-local failed: connect ENOENT /nonexistent.sock\nreadyz check failed\n',
  );
  dockerReachable = true;
  assert.equal((await get('/readyz')).status, 200);
});

test('readiness checks added after start are consulted', async () => {
  dockerReachable = true;
  server.addReadiness({
    name: 'informer-synced',
    check: () => {
      throw new Error('cache not synced');
    },
  });
  const r = await get('/readyz');
  assert.equal(r.status, 503);
  assert.match(r.body, /^\[-\]informer-synced failed: cache not synced$/m);
});

test('unknown paths are 404, writes are 405, HEAD has no body', async () => {
  assert.equal((await get('/nope')).status, 404);
  assert.equal((await get('/metrics', 'POST')).status, 405);
  const head = await get('/healthz', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
});

test('a port in use gives a ListenError naming the address', async () => {
  await assert.rejects(
    startObservabilityServer({
      listen: { host: '127.0.0.1', port: server.port },
      registry: new Registry(),
      liveness: [],
      readiness: [],
      logger: silentLogger(),
    }),
    (e: Error & { reason?: string }) =>
      e.reason === 'ListenFailed' && e.message === `cannot listen on 127.0.0.1:${server.port}: EADDRINUSE`,
  );
});

test('64 idle sockets holding every slot do not lock out a probe: the longest-idle one gives way', async () => {
  const { connect } = await import('node:net');
  const port = Number(new URL(server.url).port);
  const idle = await Promise.all(
    Array.from(
      { length: 64 },
      () =>
        new Promise<import('node:net').Socket>((resolve, reject) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  const closed = idle.map((s) => new Promise<void>((resolve) => s.once('close', () => resolve())));
  try {
    const r = await get('/healthz');
    assert.equal(r.status, 200);
    await Promise.race(closed); // the probe's connection took the place of an idle one
  } finally {
    for (const s of idle) s.destroy();
  }
});
