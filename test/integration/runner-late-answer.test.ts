/**
 * A daemon that does the work but answers too late: the run's container was created or started
 * all the same, so the run goes on and is recorded once, with its output, instead of being killed
 * and reported as a daemon failure (a CI run saw a start take over 10 s with 50 runs at once).
 * The runner looks (inspect) instead of sending the call again. Each test waits the whole
 * container call timeout (10 s) for an answer that never comes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../src/api/run-identity.ts';
import type { ScheduledDockerJobInput } from '../../src/api/schema.ts';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { EXEC_FROM_LABEL } from '../../src/runner/policy/index.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { DaemonProxy } from '../helpers/daemon-proxy.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { removeJobContainers } from '../helpers/runner-env.ts';

const uid = randomUUID();
const never = new AbortController().signal;
let docker: Docker;
let dir: string;

before(async () => {
  docker = (await testDocker()).docker;
  dir = mkdtempSync(join(tmpdir(), 'ofelia-late-'));
});

after(async () => {
  await removeJobContainers(docker, uid);
  rmSync(dir, { recursive: true, force: true });
});

let seq = 0;
function request(args: string[]): RunRequest {
  return requestOf({ run: { image: TEST_IMAGE, args, network: 'none', pullPolicy: 'Never' } });
}

function requestOf(spec: Partial<ScheduledDockerJobInput['spec']>): RunRequest {
  return {
    identity: {
      namespace: 'it',
      jobName: 'late',
      jobUid: uid,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...spec }),
  };
}

/** A runner whose daemon holds back its answer to the first request matching `pattern`. */
async function runBehindLateDaemon(pattern: RegExp, req: RunRequest) {
  const proxy = new DaemonProxy(join(dir, `docker-${seq}.sock`), { holdAnswers: { pattern, count: 1 } });
  await proxy.start();
  const pool = new DockerPool(
    [localDaemonConfig(`unix://${proxy.path}`)],
    // Far above what a create or start takes even on a daemon busy with the rest of the suite;
    // the held answer never comes, so this is how long each test waits for it.
    { containerCallTimeoutMs: 10_000 },
    { log: silentLogger() },
  );
  const runner = new JobRunner({
    pool,
    instance: 'test-runner-late',
    log: silentLogger(),
    sink: { line() {} },
    secrets: new StaticSecretSource(),
  });
  try {
    const rec = await runner.run(req, never);
    return { rec, held: proxy.held };
  } finally {
    pool.close();
    await proxy.stop();
  }
}

async function containersOf(req: RunRequest): Promise<number> {
  const all = await docker.listContainers({
    all: true,
    filters: {
      label: [
        `${LABELS.jobUid}=${uid}`,
        `${LABELS.scheduledTime}=${new Date(req.identity.scheduledTime).toISOString()}`,
      ],
    },
  });
  return all.length;
}

test('a start answered too late: the run goes on, is recorded once with its output, and its container is removed', {
  timeout: 60_000,
}, async () => {
  const req = request(['sh', '-c', 'echo before; sleep 2; echo after; exit 3']);
  const { rec, held } = await runBehindLateDaemon(/^POST \/v[\d.]+\/containers\/[^/]+\/start/, req);
  assert.equal(held, 1, 'the first start answer was held back');
  assert.equal(rec.result, 'Failed', rec.message);
  assert.equal(rec.exitCode, 3, 'the exit code of the container that ran');
  assert.equal(rec.logTail, 'before\nafter\n');
  assert.equal(await containersOf(req), 0, 'removed per policy, nothing left running');
});

test('a create answered too late: the run finds the container under its name and goes on with it', {
  timeout: 60_000,
}, async () => {
  const req = request(['sh', '-c', 'echo created-late']);
  const { rec, held } = await runBehindLateDaemon(/^POST \/v[\d.]+\/containers\/create/, req);
  assert.equal(held, 1, 'the first create answer was held back');
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.equal(rec.logTail, 'created-late\n');
  assert.equal(await containersOf(req), 0);
});

test("a start of a user's stopped container answered too late: this start's result is recorded, not the one before, and the container stays", {
  timeout: 60_000,
}, async () => {
  const name = `late-user-${uid.slice(0, 8)}`;
  const container = await docker.createContainer({
    name,
    Image: TEST_IMAGE,
    // The first start exits 3, every later one 5: the exit code says which start was recorded.
    Cmd: ['sh', '-c', 'if [ -e /ran ]; then echo again; exit 5; fi; touch /ran; echo first; exit 3'],
    Labels: { [EXEC_FROM_LABEL]: 'it', [LABELS.jobUid]: uid },
    HostConfig: { NetworkMode: 'none' },
  });
  await container.start();
  assert.equal((await container.wait()).StatusCode, 3);
  const { rec, held } = await runBehindLateDaemon(
    /^POST \/v[\d.]+\/containers\/[^/]+\/start/,
    requestOf({ start: { container: name } }),
  );
  assert.equal(held, 1);
  assert.equal(rec.result, 'Failed', rec.message);
  assert.equal(rec.exitCode, 5, 'the exit of the start that answered late, not of the run before it');
  const info = await container.inspect();
  assert.equal(info.State.Running, false);
  assert.equal(info.State.ExitCode, 5);
});
