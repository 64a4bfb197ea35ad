import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerApiError, DockerTimeoutError, DockerTransportError } from '../../src/docker/errors.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { DockerMetrics } from '../../src/metrics/docker-metrics.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const dir = mkdtempSync(join(tmpdir(), 'ofelia-pool-'));
const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A unix socket server that accepts connections and behaves badly in a chosen way. */
function badServer(name: string, onConn: (s: Socket) => void): Promise<string> {
  const path = join(dir, name);
  const srv = createServer((s) => {
    s.on('error', () => {});
    onConn(s);
  });
  servers.push(srv);
  return new Promise((resolve) => srv.listen(path, () => resolve(path)));
}

test('200 running containers must not delay a ping: 50 waits in flight on a 2-socket control pool, pings still answer', {
  timeout: 120_000,
}, async () => {
  await testDocker();
  const registry = new Registry();
  const pool = new DockerPool(
    [localDaemonConfig()],
    { controlSockets: 2 },
    { log: silentLogger(), metrics: new DockerMetrics(registry) },
  );
  const daemon = pool.get();
  // Setting up 50 containers is not what is tested: it goes through its own pool with roomy
  // timeouts, because 50 starts at once on the loaded shared daemon took over 10 s (the default
  // header timeout), and queued on 2 sockets they would wait longer still.
  const setupPool = new DockerPool(
    [localDaemonConfig()],
    { headerTimeoutMs: 60_000, requestTimeoutMs: 90_000 },
    { log: silentLogger() },
  );
  const setup = setupPool.get();
  const label = `ofelia.dev/test-pool=${randomUUID()}`;
  const ids = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const c = await setup.createContainer(`pool-${randomUUID().slice(0, 12)}`, {
        Image: TEST_IMAGE,
        Cmd: ['sleep', '300'],
        Labels: { [label.split('=')[0]!]: label.split('=')[1]! },
        HostConfig: { NetworkMode: 'none' },
      });
      await setup.startContainer(c.Id);
      return c.Id;
    }),
  );
  const stopWaits = new AbortController();
  const waits = ids.map((id) => daemon.waitContainer(id, stopWaits.signal).catch((e: Error) => e.name));
  try {
    for (let i = 0; i < 200 && daemon.sockets().stream < 50; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(daemon.sockets().stream >= 50, `stream sockets in use: ${daemon.sockets().stream}`);
    const pings = await Promise.all(Array.from({ length: 20 }, () => daemon.ping()));
    assert.deepEqual(new Set(pings), new Set(['OK']));
    assert.ok(daemon.sockets().control <= 2);
    const text = await registry.metrics();
    assert.match(text, /ofelia_docker_pool_sockets\{daemon="local",pool="stream"\} (5\d|[6-9]\d|\d{3})/);
    assert.match(text, /ofelia_docker_request_duration_seconds_count\{daemon="local",operation="ping"\} 20/);
  } finally {
    stopWaits.abort();
    const ended = await Promise.all(waits);
    // Remove first: an assertion below must not leave 50 sleeping containers behind.
    await Promise.all(ids.map((id) => setup.removeContainer(id, { force: true }).catch(() => {})));
    setupPool.close();
    pool.close();
    assert.deepEqual(new Set(ended), new Set(['AbortError']), 'an aborted wait is an AbortError');
  }
});

test('API errors carry the daemon message and reason; the breaker stays closed', async () => {
  await testDocker();
  const pool = new DockerPool([localDaemonConfig()], { breakerThreshold: 2 }, { log: silentLogger() });
  for (let i = 0; i < 5; i++) {
    await assert.rejects(
      pool.get().inspectContainer(`missing-${i}`),
      (e: unknown) =>
        e instanceof DockerApiError && e.reason === 'NotFound' && /No such container/.test(e.message),
    );
  }
  assert.equal(pool.get().breakerState, 'closed');
  pool.close();
});

test('a daemon that never answers: the header timeout ends the call', async () => {
  const path = await badServer('silent.sock', () => {});
  const pool = new DockerPool(
    [localDaemonConfig(`unix://${path}`)],
    { headerTimeoutMs: 300 },
    { log: silentLogger() },
  );
  await assert.rejects(
    pool.get().ping(),
    (e: unknown) => e instanceof DockerTimeoutError && e.phase === 'headers' && e.reason === 'DockerTimeout',
  );
  pool.close();
});

test('a daemon that starts answering and never finishes: the request timeout ends the call', async () => {
  const path = await badServer('trickle.sock', (s) => {
    s.once('data', () =>
      s.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n',
      ),
    );
  });
  const pool = new DockerPool(
    [localDaemonConfig(`unix://${path}`)],
    { headerTimeoutMs: 300, requestTimeoutMs: 600 },
    { log: silentLogger() },
  );
  await assert.rejects(
    pool.get().listContainers(),
    (e: unknown) => e instanceof DockerTimeoutError && e.phase === 'request',
  );
  pool.close();
});

test('no socket at all: a transport error at once, counted toward the breaker', async () => {
  const pool = new DockerPool(
    [localDaemonConfig(`unix://${join(dir, 'absent.sock')}`)],
    { breakerThreshold: 2 },
    { log: silentLogger() },
  );
  await assert.rejects(
    pool.get().ping(),
    (e: unknown) => e instanceof DockerTransportError && e.code === 'ENOENT',
  );
  await assert.rejects(pool.get().ping(), DockerTransportError);
  assert.equal(pool.get().breakerState, 'open');
  pool.close();
});
