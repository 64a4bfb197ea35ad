import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { LABELS } from '../../src/api/run-identity.ts';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { DockerMetrics } from '../../src/metrics/docker-metrics.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { DaemonProxy } from '../helpers/daemon-proxy.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

test('the daemon goes away: a running run reports it, the breaker opens, runs fail fast, and it recovers when the daemon is back', {
  timeout: 90_000,
}, async () => {
  const d = await testDocker();
  const dir = mkdtempSync(join(tmpdir(), 'ofelia-breaker-'));
  const proxy = new DaemonProxy(join(dir, 'docker.sock'));
  await proxy.start();
  const registry = new Registry();
  const pool = new DockerPool(
    [localDaemonConfig(`unix://${proxy.path}`)],
    // The daemon's absence shows as refused connections, not timeouts: the header deadline only
    // has to outlast a container start on a daemon busy with the rest of the suite (a 2 s one
    // failed the recovery step while another file ran 200 containers).
    { breakerThreshold: 3, halfOpenAfterMs: 1000, headerTimeoutMs: 10_000 },
    { log: silentLogger(), metrics: new DockerMetrics(registry) },
  );
  const runner = new JobRunner({
    pool,
    instance: 'test-docker-breaker',
    log: silentLogger(),
    sink: { line() {} },
    secrets: new StaticSecretSource(),
    drainGraceMs: 500,
  });
  const uid = randomUUID();
  let seq = 0;
  const request = (args: string[]): RunRequest => ({
    identity: {
      namespace: 'br',
      jobName: 'breaker',
      jobUid: uid,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({
      schedule: '@manual',
      run: { image: TEST_IMAGE, args, network: 'none', pullPolicy: 'Never' },
    }),
  });
  const never = new AbortController().signal;
  try {
    // 1. A run in progress when the daemon goes away.
    let stopped: Promise<void> | undefined;
    const inFlight = await runner.run(request(['sh', '-c', 'echo working; sleep 20']), never, {
      onStarted: () => {
        stopped = new Promise((r) => setTimeout(r, 300)).then(() => proxy.stop());
      },
    });
    await stopped;
    assert.equal(inFlight.result, 'DaemonUnavailable');
    assert.equal(inFlight.reason, 'LostContainer');
    assert.ok(inFlight.containerId, 'the record names the container that may still run');

    // 2. While it is away, runs fail with DaemonUnavailable; after 3 faults the breaker opens.
    for (let i = 0; i < 3; i++) {
      const r = await runner.run(request(['true']), never);
      assert.equal(r.result, 'DaemonUnavailable');
    }
    assert.equal(pool.get().breakerState, 'open');
    assert.match(await registry.metrics(), /ofelia_docker_breaker_state\{daemon="local"\} 2/);

    // 3. Open: even with the daemon back, runs fail fast without touching it, and nothing piles up.
    await proxy.start();
    const before = proxy.connections;
    const burst = await Promise.all(Array.from({ length: 20 }, () => runner.run(request(['true']), never)));
    for (const r of burst) {
      assert.equal(r.result, 'DaemonUnavailable');
      assert.equal(r.reason, 'DaemonUnavailable');
      assert.match(r.message ?? '', /circuit breaker open/);
    }
    assert.equal(proxy.connections, before, 'no call reached the daemon while the breaker was open');

    // 4. After halfOpenAfter, one trial call goes through, succeeds, and the breaker closes.
    await new Promise((r) => setTimeout(r, 1200));
    const back = await runner.run(request(['sh', '-c', 'echo back']), never);
    assert.equal(back.result, 'Succeeded', back.message);
    assert.equal(back.logTail, 'back\n');
    assert.equal(pool.get().breakerState, 'closed');
    assert.match(await registry.metrics(), /ofelia_docker_breaker_state\{daemon="local"\} 0/);
  } finally {
    await proxy.stop();
    pool.close();
    const left = await d.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.jobUid}=${uid}`] },
    });
    await Promise.all(
      left.map((c) =>
        d.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
});
