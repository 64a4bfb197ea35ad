import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { containerName, LABELS, type RunIdentity } from '../../src/api/run-identity.ts';
import { type ScheduledDockerJobInput, ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { RunMetrics } from '../../src/metrics/run-metrics.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { removeJobContainers } from '../helpers/runner-env.ts';

// One uid for every job of this file: cleanup removes whatever it left, by label.
const uid = randomUUID();
let pool: DockerPool;
let registry: Registry;
let runner: JobRunner;
let docker: Awaited<ReturnType<typeof testDocker>>;
const never = new AbortController().signal;

before(async () => {
  docker = await testDocker();
  pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
  registry = new Registry();
  runner = new JobRunner({
    pool,
    instance: 'test-runner-run',
    log: silentLogger(),
    metrics: new RunMetrics(registry),
    sink: { line() {} },
    secrets: new StaticSecretSource(
      [
        { kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: 's3cr3t' } },
        { kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } },
      ],
      'it',
    ),
  });
});

after(async () => {
  if ('docker' in docker) await removeJobContainers(docker.docker, uid);
  pool.close();
});

let seq = 0;
function request(spec: Partial<ScheduledDockerJobInput['spec']>, name = 'job'): RunRequest {
  const identity: RunIdentity = {
    namespace: 'it',
    jobName: name,
    jobUid: uid,
    scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
    attempt: 1,
  };
  return {
    identity,
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...spec }),
  };
}
const busybox = (args: string[], extra: object = {}) => ({
  run: { image: TEST_IMAGE, args, network: 'none', pullPolicy: 'Never' as const, ...extra },
});

test('exit code 0 is Succeeded; stdout and stderr arrive separately, line by line; the container is removed', async () => {
  const lines: string[] = [];
  let started: { containerId: string; startTime: number } | undefined;
  const rec = await runner.run(request(busybox(['sh', '-c', 'echo one; echo two >&2; echo three'])), never, {
    onStarted: (i) => {
      started = i;
    },
    onOutputLine: (s, l) => lines.push(`${s}:${l}`),
  });
  assert.equal(rec.result, 'Succeeded');
  assert.equal(rec.exitCode, 0);
  assert.equal(rec.reason, 'Completed');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('stdout:')),
    ['stdout:one', 'stdout:three'],
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith('stderr:')),
    ['stderr:two'],
  );
  assert.match(rec.logTail ?? '', /one\n/);
  assert.equal(started?.containerId, rec.containerId);
  assert.ok(rec.startTime && rec.finishTime && rec.scheduledTime);
  await assert.rejects(pool.get().inspectContainer(rec.containerId!), /No such container/);
});

test('a non-zero exit is Failed with the exit code; remove OnSuccess keeps the failed container', async () => {
  const rec = await runner.run(
    request(busybox(['sh', '-c', 'echo bad >&2; exit 7'], { remove: 'OnSuccess' })),
    never,
  );
  assert.equal(rec.result, 'Failed');
  assert.equal(rec.exitCode, 7);
  assert.equal(rec.reason, 'NonZeroExitCode');
  assert.equal(rec.logTail, 'bad\n');
  const info = await pool.get().inspectContainer(rec.containerId!);
  assert.equal(info.State.ExitCode, 7);
  assert.equal(info.Config.Labels?.[LABELS.jobUid], uid);
});

test('env from literal, Secret and ConfigMap reaches the container; user and working dir apply', async () => {
  const rec = await runner.run(
    request(
      busybox(['sh', '-c', 'echo "$A $T $M"; id -u; pwd'], {
        user: '65534',
        workingDir: '/tmp',
        env: [
          { name: 'A', value: 'lit' },
          { name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          { name: 'M', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
        ],
      }),
    ),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.equal(rec.logTail, 'lit s3cr3t fast\n65534\n/tmp\n');
});

test('a missing Secret key is an Error with reason SecretKeyNotFound, before any container exists', async () => {
  const rec = await runner.run(
    request(
      busybox(['true'], {
        env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'creds', key: 'nope' } } }],
      }),
    ),
    never,
  );
  assert.equal(rec.result, 'Error');
  assert.equal(rec.reason, 'SecretKeyNotFound');
  assert.equal(rec.containerId, undefined);
});

test('activeDeadlineSeconds: a process ignoring the stop signal is killed (137), result DeadlineExceeded', async () => {
  const rec = await runner.run(
    request({
      activeDeadlineSeconds: 1,
      ...busybox(['sh', '-c', 'trap "" TERM; echo started; sleep 60'], { stopTimeoutSeconds: 1 }),
    }),
    never,
  );
  assert.equal(rec.result, 'DeadlineExceeded');
  assert.equal(rec.exitCode, 137);
  assert.match(rec.message ?? '', /killed/);
  assert.equal(rec.logTail, 'started\n');
});

test('activeDeadlineSeconds: a process that honours SIGTERM stops with its own code', async () => {
  const rec = await runner.run(
    request({
      activeDeadlineSeconds: 1,
      ...busybox(['sh', '-c', 'trap "echo bye; exit 143" TERM; while true; do sleep 0.1; done'], {
        stopTimeoutSeconds: 20,
      }),
    }),
    never,
  );
  assert.equal(rec.result, 'DeadlineExceeded');
  assert.equal(rec.exitCode, 143);
  assert.match(rec.logTail ?? '', /bye/);
});

test('cancellation through the AbortSignal stops the container: Cancelled', async () => {
  const ac = new AbortController();
  const rec = await runner.run(
    request(busybox(['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.1; done'])),
    ac.signal,
    { onStarted: () => setTimeout(() => ac.abort(), 200) },
  );
  assert.equal(rec.result, 'Cancelled');
  assert.equal(rec.reason, 'Cancelled');
  assert.ok(rec.containerId);
});

test('an already aborted signal cancels before anything is created', async () => {
  const ac = new AbortController();
  ac.abort();
  const rec = await runner.run(request(busybox(['true'])), ac.signal);
  assert.equal(rec.result, 'Cancelled');
  assert.equal(rec.containerId, undefined);
});

test('pullPolicy Never with a missing image: ImagePullFailed with the daemon message', async () => {
  const rec = await runner.run(request({ run: { image: 'local/not-there:1', pullPolicy: 'Never' } }), never);
  assert.equal(rec.result, 'ImagePullFailed');
  assert.equal(rec.reason, 'ImageNotPresent');
  assert.match(rec.message ?? '', /No such image: local\/not-there:1/);
});

test('pullPolicy IfNotPresent with an image no registry has: ImagePullFailed with the daemon message', async () => {
  // 127.0.0.1:9 (discard) refuses connections: the pull fails fast and stays on loopback.
  const rec = await runner.run(
    request({ run: { image: '127.0.0.1:9/nothing/here:1', pullPolicy: 'IfNotPresent' } }),
    never,
  );
  assert.equal(rec.result, 'ImagePullFailed');
  assert.match(rec.message ?? '', /127\.0\.0\.1:9/);
});

test('a command that does not exist: Failed, ContainerCannotRun, with the daemon message', async () => {
  const rec = await runner.run(
    request({
      run: { image: TEST_IMAGE, command: ['/no/such/binary'], network: 'none', pullPolicy: 'Never' },
    }),
    never,
  );
  assert.equal(rec.result, 'Failed');
  assert.equal(rec.reason, 'ContainerCannotRun');
  assert.match(rec.message ?? '', /no such file|not found/i);
});

test('policy denials name the field and happen before any Docker call', async () => {
  // A pool whose only daemon does not exist: any Docker call would fail with DaemonUnavailable.
  const deadPool = new DockerPool(
    [localDaemonConfig('unix:///nonexistent/docker.sock')],
    {},
    { log: silentLogger() },
  );
  const r = new JobRunner({
    pool: deadPool,
    instance: 'test-runner-run',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
  });
  const cases = [
    { spec: { run: { image: 'x', privileged: true } }, field: 'spec.run.privileged' },
    { spec: { run: { image: 'x', network: 'host' } }, field: 'spec.run.network' },
    {
      spec: { run: { image: 'x', volumes: [{ type: 'bind' as const, source: '/etc', target: '/e' }] } },
      field: 'spec.run.volumes[0].source',
    },
    { spec: { exec: { container: 'c', command: ['id'], privileged: true } }, field: 'spec.exec.privileged' },
  ];
  for (const c of cases) {
    const rec = await r.run(request(c.spec), never);
    assert.equal(rec.result, 'PolicyDenied', c.field);
    assert.ok(rec.message?.startsWith(`${c.field}:`), rec.message);
  }
  const allowed = await r.run(request(busybox(['true'])), never);
  assert.equal(allowed.result, 'DaemonUnavailable', 'an allowed spec does reach the (dead) daemon');
  deadPool.close();
});

test('a create conflict (the run already exists) adopts the existing container instead of duplicating', async () => {
  const req = request(busybox(['sh', '-c', 'echo first; sleep 1; exit 4']));
  const name = containerName(req.identity, 'test-runner-run');
  const first = runner.run(req, never);
  // Wait until the first run's container exists, then run the same identity again.
  for (let i = 0; i < 100; i++) {
    try {
      await pool.get().inspectContainer(name);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const second = await runner.run(req, never);
  const firstRec = await first;
  assert.equal(second.containerId, firstRec.containerId, 'one container for one run');
  assert.equal(second.exitCode, 4);
  assert.equal(firstRec.exitCode, 4);
});

test('50 runs in parallel all succeed with their own output', async () => {
  const recs = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      runner.run(request(busybox(['sh', '-c', `echo run-${i}`]), `par${i}`), never),
    ),
  );
  recs.forEach((r, i) => {
    assert.equal(r.result, 'Succeeded', r.message);
    assert.equal(r.logTail, `run-${i}\n`);
  });
  assert.equal(new Set(recs.map((r) => r.containerId)).size, 50);
  const text = await registry.metrics();
  assert.match(text, /ofelia_runs_total\{result="Succeeded",kind="run"\} \d+/);
});

test('an unknown placement.daemon is an Error naming the field', async () => {
  const rec = await runner.run(request({ ...busybox(['true']), placement: { daemon: 'elsewhere' } }), never);
  assert.equal(rec.result, 'Error');
  assert.equal(rec.reason, 'UnknownDaemon');
  assert.match(rec.message ?? '', /spec\.placement\.daemon/);
});

test('adopting a running container follows its logs; a reader stalled past its exit still records the real end', async (t) => {
  if (!('docker' in docker)) return;
  const c = await docker.docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', 'echo before-adoption; sleep 1; seq 1 300000'],
    Labels: { [LABELS.jobUid]: uid },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  let stalled = false;
  let lastLine = '';
  const rec = await runner.adopt(c.id, request(busybox(['unused'])), never, {
    onOutputLine(_s, line) {
      lastLine = line;
      // Stall on the first printed number: seq ends (and the container exits) while nothing is read.
      if (stalled || line !== '1') return;
      stalled = true;
      const until = Date.now() + 3_000;
      while (Date.now() < until) {
        // busy on purpose
      }
    },
  });
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.ok(stalled, 'the reader was stalled');
  assert.equal(rec.containerId, c.id);
  assert.ok(
    rec.logTail?.endsWith('299999\n300000\n'),
    `the tail ends with the last numbers: ${rec.logTail?.slice(-30)}`,
  );
  t.diagnostic(`last line the sink saw: ${lastLine}`);
});
