import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import type { RunRequest } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { useRunnerEnv } from '../helpers/runner-env.ts';

let target: Docker.Container;
let stopped: Docker.Container;
const suffix = randomUUID().slice(0, 8);
const never = new AbortController().signal;

const env = useRunnerEnv({
  instance: 'test-runner-exec',
  secrets: () =>
    new StaticSecretSource(
      [{ kind: 'Secret', metadata: { name: 's' }, stringData: { k: 'from-secret' } }],
      'ex',
    ),
  async setup(docker) {
    target = await docker.createContainer({
      Image: TEST_IMAGE,
      name: `exec-target-${suffix}`,
      Cmd: ['sleep', '600'],
      // Exec targets opt in to the namespaces whose jobs may exec into them (docs/security.md).
      Labels: { 'ofelia.dev/test': 'exec', 'ofelia.dev/exec-from': 'ex' },
      HostConfig: { NetworkMode: 'none' },
    });
    await target.start();
    stopped = await docker.createContainer({
      Image: TEST_IMAGE,
      name: `exec-stopped-${suffix}`,
      Cmd: ['true'],
      Labels: { 'ofelia.dev/test': 'exec', 'ofelia.dev/exec-from': '*' },
      HostConfig: { NetworkMode: 'none' },
    });
  },
});

after(async () => {
  await target?.remove({ force: true }).catch(() => {});
  await stopped?.remove({ force: true }).catch(() => {});
});

let seq = 0;
function request(exec: object, extra: object = {}): RunRequest {
  return {
    identity: {
      namespace: 'ex',
      jobName: 'exec',
      jobUid: suffix,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', exec, ...extra }),
  };
}

test('exec in a running container: output by stream, exit code, env from a Secret', async () => {
  const lines: string[] = [];
  const rec = await env.runner.run(
    request({
      container: `exec-target-${suffix}`,
      command: ['sh', '-c', 'echo "out $V"; echo err >&2; exit 5'],
      env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    }),
    never,
    { onOutputLine: (s, l) => lines.push(`${s}:${l}`) },
  );
  assert.equal(rec.result, 'Failed');
  assert.equal(rec.exitCode, 5);
  assert.deepEqual(lines.sort(), ['stderr:err', 'stdout:out from-secret']);
  assert.equal(rec.containerId, target.id);
});

test('exec succeeding with user and working dir', async () => {
  const rec = await env.runner.run(
    request({ container: target.id, command: ['sh', '-c', 'id -u; pwd'], user: '65534', workingDir: '/tmp' }),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.equal(rec.exitCode, 0);
  assert.equal(rec.logTail, '65534\n/tmp\n');
});

test('exec into a missing container: ContainerNotFound, not a crash', async () => {
  const rec = await env.runner.run(request({ container: `no-such-${suffix}`, command: ['true'] }), never);
  assert.equal(rec.result, 'ContainerNotFound');
  assert.equal(rec.reason, 'ContainerNotFound');
  assert.match(rec.message ?? '', /No such container/);
});

test('exec into a stopped container: ContainerNotFound (ContainerNotRunning)', async () => {
  const rec = await env.runner.run(
    request({ container: `exec-stopped-${suffix}`, command: ['true'] }),
    never,
  );
  assert.equal(rec.result, 'ContainerNotFound');
  assert.equal(rec.reason, 'ContainerNotRunning');
});

test('exec past its deadline: DeadlineExceeded, and the record says the command may still run', async () => {
  const rec = await env.runner.run(
    request(
      { container: target.id, command: ['sh', '-c', 'echo going; sleep 30'] },
      { activeDeadlineSeconds: 1 },
    ),
    never,
  );
  assert.equal(rec.result, 'DeadlineExceeded');
  assert.match(rec.message ?? '', /may still be running/);
  assert.equal(rec.logTail, 'going\n');
});

test('exec cancelled through the AbortSignal: Cancelled', async () => {
  const ac = new AbortController();
  const rec = await env.runner.run(request({ container: target.id, command: ['sleep', '30'] }), ac.signal, {
    onStarted: () => setTimeout(() => ac.abort(), 100),
  });
  assert.equal(rec.result, 'Cancelled');
});
