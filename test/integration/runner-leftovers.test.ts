import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { containerName, LABELS, type RunIdentity, runLabels } from '../../src/api/run-identity.ts';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { findLeftovers } from '../../src/runner/leftovers.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

// Containers "left by an earlier operator process": created here with the operator's labels and
// names, straight through the Engine API, then found and finished by a fresh pool and runner.
const uid = randomUUID();
let docker: Docker | undefined;
let skip: string | undefined;
let pool: DockerPool;
let runner: JobRunner;

const identity = (n: number): RunIdentity => ({
  namespace: 'lo',
  jobName: 'leftover',
  jobUid: uid,
  scheduledTime: Date.UTC(2026, 0, 1, 0, n),
  attempt: 1,
});
const spec = (args: string[]) =>
  ScheduledDockerJobSpecSchema.parse({
    schedule: '@manual',
    run: { image: TEST_IMAGE, args, network: 'none', pullPolicy: 'Never' },
  });

async function leave(id: RunIdentity, cmd: string[], start = true): Promise<string> {
  const c = await docker!.createContainer({
    name: containerName(id),
    Image: TEST_IMAGE,
    Cmd: cmd,
    Labels: runLabels(id, 'Schedule'),
    HostConfig: { NetworkMode: 'none' },
  });
  if (start) await c.start();
  return c.id;
}

before(async () => {
  const d = await testDocker();
  if ('skip' in d) {
    skip = d.skip;
    return;
  }
  docker = d.docker;
  pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
  runner = new JobRunner({
    pool,
    log: silentLogger(),
    sink: { line() {} },
    secrets: new StaticSecretSource(),
  });
});

after(async () => {
  if (docker) {
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.jobUid}=${uid}`] } });
    await Promise.all(
      left.map((c) =>
        docker!
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {}),
      ),
    );
  }
  pool?.close();
});

test('leftovers: running and exited operator containers are found with identity, state and exit code; adopt finishes them', async (t) => {
  if (skip) return t.skip(skip);
  const runningId = await leave(identity(1), [
    'sh',
    '-c',
    'echo before-restart; sleep 2; echo after-restart; exit 3',
  ]);
  const exitedId = await leave(identity(2), ['sh', '-c', 'echo done; exit 9']);
  await docker!.getContainer(exitedId).wait();

  const found = (await findLeftovers([pool.get()])).filter((l) => l.identity?.jobUid === uid);
  const running = found.find((l) => l.containerId === runningId);
  const exited = found.find((l) => l.containerId === exitedId);
  assert.equal(found.length, 2);
  assert.equal(running?.running, true);
  assert.deepEqual(running?.identity, identity(1));
  assert.equal(running?.trigger, 'Schedule');
  assert.equal(exited?.running, false);
  assert.equal(exited?.exitCode, 9);

  const req = (n: number): RunRequest => ({
    identity: identity(n),
    trigger: 'Schedule',
    spec: spec(['unused']),
  });
  const never = new AbortController().signal;
  const [a, b] = await Promise.all([
    runner.adopt(runningId, req(1), never),
    runner.adopt(exitedId, req(2), never),
  ]);
  assert.equal(a.result, 'Failed');
  assert.equal(a.exitCode, 3);
  assert.match(a.logTail ?? '', /after-restart/);
  assert.equal(b.result, 'Failed');
  assert.equal(b.exitCode, 9);
  assert.equal(b.logTail, 'done\n');
  // remove: Always (the default) applies to adopted runs too.
  assert.equal((await findLeftovers([pool.get()])).filter((l) => l.identity?.jobUid === uid).length, 0);
});

test('adopt: a created but never started container is started and finished', async (t) => {
  if (skip) return t.skip(skip);
  const id = await leave(identity(3), ['sh', '-c', 'echo late-start'], false);
  const rec = await runner.adopt(
    id,
    { identity: identity(3), trigger: 'Schedule', spec: spec(['unused']) },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'Succeeded');
  assert.equal(rec.logTail, 'late-start\n');
});

test('adopt: a container that no longer exists is ContainerNotFound', async (t) => {
  if (skip) return t.skip(skip);
  const rec = await runner.adopt(
    '0123456789ab',
    { identity: identity(4), trigger: 'Schedule', spec: spec(['x']) },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'ContainerNotFound');
});
