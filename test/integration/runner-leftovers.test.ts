import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { containerName, LABELS, type RunIdentity, runLabels } from '../../src/api/run-identity.ts';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import type { RunRequest } from '../../src/runner/job-runner.ts';
import { findLeftovers } from '../../src/runner/leftovers.ts';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { useRunnerEnv } from '../helpers/runner-env.ts';

// Containers "left by an earlier operator process": created here with the operator's labels and
// names, straight through the Engine API, then found and finished by a fresh pool and runner.
// Instances are unique per test run: other tests and engineers share the daemon.
const uid = randomUUID();
const instanceA = `test-a-${uid.slice(0, 8)}`;
const instanceB = `test-b-${uid.slice(0, 8)}`;
const env = useRunnerEnv({ instance: instanceA, removeContainersOfJobUid: uid });

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

async function leave(id: RunIdentity, cmd: string[], start = true, instance = instanceA): Promise<string> {
  const c = await env.docker!.createContainer({
    name: containerName(id, instance),
    Image: TEST_IMAGE,
    Cmd: cmd,
    Labels: runLabels(id, 'Schedule', instance),
    HostConfig: { NetworkMode: 'none' },
  });
  if (start) await c.start();
  return c.id;
}

test('leftovers: running and exited operator containers are found with identity, state and exit code; adopt finishes them', async () => {
  const runningId = await leave(identity(1), [
    'sh',
    '-c',
    'echo before-restart; sleep 2; echo after-restart; exit 3',
  ]);
  const exitedId = await leave(identity(2), ['sh', '-c', 'echo done; exit 9']);
  await env.docker!.getContainer(exitedId).wait();

  const found = (await findLeftovers([env.pool.get()], instanceA)).filter((l) => l.identity?.jobUid === uid);
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
    env.runner.adopt(runningId, req(1), never),
    env.runner.adopt(exitedId, req(2), never),
  ]);
  assert.equal(a.result, 'Failed');
  assert.equal(a.exitCode, 3);
  assert.match(a.logTail ?? '', /after-restart/);
  assert.equal(b.result, 'Failed');
  assert.equal(b.exitCode, 9);
  assert.equal(b.logTail, 'done\n');
  // remove: Always (the default) applies to adopted runs too.
  assert.equal(
    (await findLeftovers([env.pool.get()], instanceA)).filter((l) => l.identity?.jobUid === uid).length,
    0,
  );
});

test('leftovers: each instance lists only its own containers, never those of another instance or without one', async () => {
  // The same run identity for both instances: the names differ (instance digest), no conflict.
  const ofA = await leave(identity(5), ['true'], false, instanceA);
  const ofB = await leave(identity(5), ['true'], false, instanceB);
  // A container of an operator version that did not label instances.
  const legacyLabels = runLabels(identity(6), 'Schedule', instanceA);
  delete legacyLabels[LABELS.instance];
  const legacy = await env.docker!.createContainer({
    name: `ofelia_lo_legacy_${uid.slice(0, 8)}`,
    Image: TEST_IMAGE,
    Cmd: ['true'],
    Labels: legacyLabels,
    HostConfig: { NetworkMode: 'none' },
  });

  const mine = (instance: string) =>
    findLeftovers([env.pool.get()], instance).then((list) =>
      list
        .filter((l) => l.identity?.jobUid === uid)
        .map((l) => l.containerId)
        .sort(),
    );
  assert.deepEqual(await mine(instanceA), [ofA]);
  assert.deepEqual(await mine(instanceB), [ofB]);
  assert.deepEqual(await mine(`test-c-${uid.slice(0, 8)}`), []);
  const a = (await findLeftovers([env.pool.get()], instanceA)).find((l) => l.containerId === ofA);
  assert.equal(a?.instance, instanceA);
  assert.equal(a?.name, containerName(identity(5), instanceA));
  assert.notEqual(containerName(identity(5), instanceA), containerName(identity(5), instanceB));
  assert.ok(
    !(await findLeftovers([env.pool.get()], instanceA)).some((l) => l.containerId === legacy.id),
    'a container without the instance label belongs to no instance',
  );
});

test('run: a run container carries the instance label and a name with its digest', async () => {
  const keep = ScheduledDockerJobSpecSchema.parse({
    schedule: '@manual',
    run: { image: TEST_IMAGE, args: ['true'], network: 'none', pullPolicy: 'Never', remove: 'Never' },
  });
  const rec = await env.runner.run(
    { identity: identity(7), trigger: 'Manual', spec: keep },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  const info = await env.docker!.getContainer(rec.containerId!).inspect();
  assert.equal(info.Name, `/${containerName(identity(7), instanceA)}`);
  assert.equal(info.Config.Labels[LABELS.instance], instanceA);
  const found = await findLeftovers([env.pool.get()], instanceA);
  assert.ok(found.some((l) => l.containerId === rec.containerId));
  assert.ok(
    !(await findLeftovers([env.pool.get()], instanceB)).some((l) => l.containerId === rec.containerId),
  );
});

test("run: a name taken by another instance's container is a conflict, not an adoption", async () => {
  // Only by hand: the real names of two instances differ. Same name, other instance's labels.
  const c = await env.docker!.createContainer({
    name: containerName(identity(8), instanceA),
    Image: TEST_IMAGE,
    Cmd: ['true'],
    Labels: runLabels(identity(8), 'Schedule', instanceB),
    HostConfig: { NetworkMode: 'none' },
  });
  const rec = await env.runner.run(
    { identity: identity(8), trigger: 'Schedule', spec: spec(['true']) },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'Error');
  assert.equal(rec.reason, 'ContainerNameConflict');
  assert.match(rec.message ?? '', new RegExp(instanceB));
  const info = await env.docker!.getContainer(c.id).inspect();
  assert.equal(info.State.Status, 'created', "the other instance's container is left alone");
});

test('adopt: a created but never started container is started and finished', async () => {
  const id = await leave(identity(3), ['sh', '-c', 'echo late-start'], false);
  const rec = await env.runner.adopt(
    id,
    { identity: identity(3), trigger: 'Schedule', spec: spec(['unused']) },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'Succeeded');
  assert.equal(rec.logTail, 'late-start\n');
});

test('adopt: a container that no longer exists is ContainerNotFound', async () => {
  const rec = await env.runner.adopt(
    '0123456789ab',
    { identity: identity(4), trigger: 'Schedule', spec: spec(['x']) },
    new AbortController().signal,
  );
  assert.equal(rec.result, 'ContainerNotFound');
});
