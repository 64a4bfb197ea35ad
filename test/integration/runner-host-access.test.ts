/**
 * The job options carried over from Ofelia, on the real daemon and the real host: local jobs
 * (refused without --allow-local-jobs; with it: output, exit codes, environment, deadline),
 * start (an existing stopped container, never removed), envFrom (ConfigMap, Secret, another
 * container) and volumesFrom (the source's bind mounts checked against the allow-list).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { EXEC_FROM_LABEL, securityPolicy } from '../../src/runner/policy/index.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { removeJobContainers, useRunnerEnv } from '../helpers/runner-env.ts';

const suffix = randomUUID().slice(0, 8);
const never = new AbortController().signal;
const TEST_LABEL = 'ofelia-test.host-access';
const made: Docker.Container[] = [];

const secrets = () =>
  new StaticSecretSource(
    [
      { kind: 'Secret', metadata: { name: 'env-secret' }, stringData: { FROM_SECRET: 's-value' } },
      { kind: 'ConfigMap', metadata: { name: 'env-cm' }, data: { FROM_CM: 'cm-value', 'not a name=': 'x' } },
    ],
    'ha',
  );

const env = useRunnerEnv({
  instance: 'test-runner-host-access',
  secrets,
  removeContainersOfJobUid: suffix,
  async setup(docker) {
    const create = async (name: string, opts: Partial<Docker.ContainerCreateOptions>, start: boolean) => {
      const c = await docker.createContainer({
        Image: TEST_IMAGE,
        name: `${name}-${suffix}`,
        Labels: { [TEST_LABEL]: suffix },
        ...opts,
        HostConfig: { NetworkMode: 'none', ...(opts.HostConfig ?? {}) },
      });
      if (start) await c.start();
      made.push(c);
    };
    // Exec and start targets opt in (the policy's exec-from label); bind-source does not.
    const optIn = { [TEST_LABEL]: suffix, [EXEC_FROM_LABEL]: 'ha' };
    await create(
      'source',
      {
        Cmd: ['sleep', '600'],
        Env: ['FROM_CONTAINER=c-value', 'SHARED=container'],
        Volumes: { '/data': {} },
        Labels: optIn,
      },
      true,
    );
    await create(
      'bind-source',
      { Cmd: ['sleep', '600'], HostConfig: { Binds: ['/tmp:/host-tmp:ro'] } },
      true,
    );
    await create('stopped', { Cmd: ['sh', '-c', 'echo from-existing; exit 0'], Labels: optIn }, false);
    await create('stopped-fails', { Cmd: ['sh', '-c', 'exit 4'], Labels: optIn }, false);
  },
});

after(async () => {
  for (const c of made) await c.remove({ force: true, v: true }).catch(() => {});
  if (env.docker) await removeJobContainers(env.docker, suffix);
});

let seq = 0;
function request(spec: object, extra: object = {}): RunRequest {
  return {
    identity: {
      namespace: 'ha',
      jobName: 'ha',
      jobUid: suffix,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...spec, ...extra }),
  };
}

function runner(opts: { allowLocalJobs?: boolean; allowedBindPrefixes?: string[] } = {}): JobRunner {
  return new JobRunner({
    pool: env.pool,
    instance: 'test-runner-host-access',
    log: silentLogger(),
    sink: { line() {} },
    secrets: secrets(),
    hostAccess: { allowLocalJobs: opts.allowLocalJobs === true },
    policy: securityPolicy({ allowedBindPrefixes: opts.allowedBindPrefixes ?? [] }),
  });
}

test('a local job is refused unless the operator allows local jobs', async () => {
  const rec = await runner().run(request({ local: { command: ['true'] } }), never);
  assert.equal(rec.result, 'PolicyDenied');
  assert.equal(rec.reason, 'LocalJobsNotAllowed');
  assert.match(rec.message ?? '', /--allow-local-jobs/);
});

test('a local job runs on the host with only its own environment and PATH', async () => {
  const lines: string[] = [];
  const rec = await runner({ allowLocalJobs: true }).run(
    request({
      local: {
        command: ['sh', '-c', 'echo "cm=$FROM_CM secret=$FROM_SECRET v=$V home=$HOME"; echo err >&2; exit 3'],
        workingDir: '/tmp',
        env: [{ name: 'V', value: 'literal' }],
        envFrom: [{ configMapRef: { name: 'env-cm' } }, { secretRef: { name: 'env-secret' } }],
      },
    }),
    never,
    { onOutputLine: (s, l) => lines.push(`${s}:${l}`) },
  );
  assert.equal(rec.result, 'Failed');
  assert.equal(rec.exitCode, 3);
  assert.deepEqual(lines, ['stdout:cm=cm-value secret=s-value v=literal home=', 'stderr:err']);
  const ok = await runner({ allowLocalJobs: true }).run(request({ local: { command: ['true'] } }), never);
  assert.equal(ok.result, 'Succeeded');
  const missing = await runner({ allowLocalJobs: true }).run(
    request({ local: { command: ['/no/such/program'] } }),
    never,
  );
  assert.equal(missing.result, 'Failed');
  assert.equal(missing.reason, 'CommandCannotRun');
});

test('a local job past its deadline is stopped (DeadlineExceeded)', async () => {
  const rec = await runner({ allowLocalJobs: true }).run(
    request({ local: { command: ['sleep', '30'] } }, { activeDeadlineSeconds: 1 }),
    never,
  );
  assert.equal(rec.result, 'DeadlineExceeded');
});

test('start: an existing stopped container runs, with its output, and stays', async () => {
  const rec = await runner().run(request({ start: { container: `stopped-${suffix}` } }), never);
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.match(rec.logTail ?? '', /from-existing/);
  const again = await runner().run(request({ start: { container: `stopped-${suffix}` } }), never);
  assert.equal(again.result, 'Succeeded', 'started again on the next run');
  const info = await env.docker!.getContainer(`stopped-${suffix}`).inspect();
  assert.equal(info.State.Running, false, 'still there, not removed');
  const failed = await runner().run(request({ start: { container: `stopped-fails-${suffix}` } }), never);
  assert.equal(failed.result, 'Failed');
  assert.equal(failed.exitCode, 4);
  await env.docker!.getContainer(`stopped-fails-${suffix}`).inspect();
  const running = await runner().run(request({ start: { container: `source-${suffix}` } }), never);
  assert.equal(running.result, 'Failed');
  assert.equal(running.reason, 'ContainerAlreadyRunning');
  const missing = await runner().run(request({ start: { container: `nope-${suffix}` } }), never);
  assert.equal(missing.result, 'ContainerNotFound');
  const notOptedIn = await runner().run(request({ start: { container: `bind-source-${suffix}` } }), never);
  assert.equal(notOptedIn.result, 'PolicyDenied');
  assert.equal(notOptedIn.reason, 'StartTargetNotOptedIn');
});

test('envFrom: another container, a ConfigMap and a Secret; env entries win', async () => {
  const rec = await runner().run(
    request({
      run: {
        image: TEST_IMAGE,
        network: 'none',
        command: ['sh', '-c', 'echo "$FROM_CONTAINER $FROM_CM $FROM_SECRET $SHARED"'],
        envFrom: [
          { container: `source-${suffix}` },
          { configMapRef: { name: 'env-cm' } },
          { secretRef: { name: 'env-secret' } },
        ],
        env: [{ name: 'SHARED', value: 'entry' }],
      },
    }),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.match(rec.logTail ?? '', /c-value cm-value s-value entry/);
  const exec = await runner().run(
    request({
      exec: {
        container: `source-${suffix}`,
        command: ['sh', '-c', 'echo "$FROM_CM"'],
        envFrom: [{ configMapRef: { name: 'env-cm' } }],
      },
    }),
    never,
  );
  assert.match(exec.logTail ?? '', /cm-value/);
  const missing = await runner().run(
    request({ run: { image: TEST_IMAGE, network: 'none', envFrom: [{ container: `nope-${suffix}` }] } }),
    never,
  );
  assert.equal(missing.result, 'ContainerNotFound');
  assert.equal(missing.reason, 'EnvFromContainerNotFound');
  const noSecret = await runner().run(
    request({ run: { image: TEST_IMAGE, network: 'none', envFrom: [{ secretRef: { name: 'nope' } }] } }),
    never,
  );
  assert.equal(noSecret.reason, 'SecretNotFound');
});

test('volumesFrom: volumes of another container; its bind mounts must pass the allow-list', async () => {
  const rec = await runner().run(
    request({
      run: {
        image: TEST_IMAGE,
        network: 'none',
        command: ['sh', '-c', 'test -d /data'],
        volumesFrom: [`source-${suffix}:ro`],
      },
    }),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  const denied = await runner().run(
    request({
      run: { image: TEST_IMAGE, network: 'none', command: ['true'], volumesFrom: [`bind-source-${suffix}`] },
    }),
    never,
  );
  assert.equal(denied.result, 'PolicyDenied');
  assert.equal(denied.reason, 'BindMountNotAllowed');
  assert.match(
    denied.message ?? '',
    /spec\.run\.volumesFrom\[0\]: container bind-source-\w+ has a bind mount of "\/tmp"/,
  );
  const allowed = await runner({ allowedBindPrefixes: ['/tmp'] }).run(
    request({
      run: {
        image: TEST_IMAGE,
        network: 'none',
        command: ['sh', '-c', 'test -d /host-tmp'],
        volumesFrom: [`bind-source-${suffix}`],
      },
    }),
    never,
  );
  assert.equal(allowed.result, 'Succeeded', allowed.message);
});
