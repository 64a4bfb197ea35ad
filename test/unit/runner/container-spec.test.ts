import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '../../../src/api/run-identity.ts';
import { RunSpecSchema } from '../../../src/api/schema.ts';
import { containerCreateBody } from '../../../src/runner/container-spec.ts';
import { QuantityError } from '../../../src/runner/resources.ts';

const identity = {
  namespace: 'team',
  jobName: 'backup',
  jobUid: 'uid-1',
  scheduledTime: Date.UTC(2026, 0, 1),
  attempt: 1,
};

test('containerCreateBody: every run field lands where the Engine API wants it', () => {
  const spec = RunSpecSchema.parse({
    image: 'alpine:3.20',
    command: ['/bin/sh', '-c'],
    args: ['echo hi'],
    workingDir: '/w',
    user: '1000:1000',
    hostname: 'h',
    tty: true,
    labels: { team: 'ops', [LABELS.job]: 'spoofed', [LABELS.instance]: 'someone-else' },
    resources: { memory: '128Mi', cpus: '500m', pids: 64 },
    volumes: [
      { source: 'data', target: '/data' },
      { type: 'bind', source: '/srv', target: '/srv', readOnly: true },
    ],
    network: 'none',
    stopSignal: 'SIGINT',
    stopTimeoutSeconds: 3,
  });
  const body = containerCreateBody(spec, identity, 'Schedule', ['A=1'], 'op-a');
  assert.equal(body.Image, 'alpine:3.20');
  assert.deepEqual(body.Entrypoint, ['/bin/sh', '-c']);
  assert.deepEqual(body.Cmd, ['echo hi']);
  assert.deepEqual(body.Env, ['A=1']);
  assert.equal(body.User, '1000:1000');
  assert.equal(body.WorkingDir, '/w');
  assert.equal(body.Hostname, 'h');
  assert.equal(body.Tty, true);
  assert.equal(body.StopSignal, 'SIGINT');
  assert.equal(body.StopTimeout, 3);
  assert.equal(body.Labels?.team, 'ops');
  assert.equal(body.Labels?.[LABELS.job], 'backup', "the operator's labels win over the user's");
  assert.equal(body.Labels?.[LABELS.managedBy], 'ofelia-operator');
  assert.equal(
    body.Labels?.[LABELS.instance],
    'op-a',
    'a user label cannot hand the container to another instance',
  );
  assert.equal(body.HostConfig?.Memory, 128 * 1024 * 1024);
  assert.equal(body.HostConfig?.NanoCpus, 500_000_000);
  assert.equal(body.HostConfig?.PidsLimit, 64);
  assert.equal(body.HostConfig?.NetworkMode, 'none');
  assert.deepEqual(body.HostConfig?.Mounts, [
    { Type: 'volume', Source: 'data', Target: '/data', ReadOnly: false },
    { Type: 'bind', Source: '/srv', Target: '/srv', ReadOnly: true },
  ]);
});

test('containerCreateBody: minimal spec leaves image defaults alone', () => {
  const body = containerCreateBody(RunSpecSchema.parse({ image: 'x' }), identity, 'Manual', [], 'op-a');
  assert.equal(body.Entrypoint, undefined);
  assert.equal(body.Cmd, undefined);
  assert.equal(body.Env, undefined);
  assert.equal(body.HostConfig?.NetworkMode, undefined);
  assert.equal(body.HostConfig?.Privileged, undefined);
});

test('containerCreateBody: a bad quantity names the field', () => {
  const spec = RunSpecSchema.parse({ image: 'x', resources: { memory: 'lots' } });
  assert.throws(
    () => containerCreateBody(spec, identity, 'Manual', [], 'op-a'),
    (e: unknown) => e instanceof QuantityError && /spec\.run\.resources\.memory/.test(e.message),
  );
});

test('containerCreateBody: hostPID and the securityContext fields map to HostConfig', () => {
  const spec = RunSpecSchema.parse({
    image: 'x',
    hostPID: true,
    securityContext: {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    },
  });
  const host = containerCreateBody(spec, identity, 'Schedule', [], 'op-a').HostConfig;
  assert.equal(host?.PidMode, 'host');
  assert.equal(host?.ReadonlyRootfs, true);
  assert.deepEqual(host?.SecurityOpt, ['no-new-privileges']);
  assert.deepEqual(host?.CapDrop, ['ALL']);
  assert.deepEqual(host?.CapAdd, ['NET_BIND_SERVICE']);
  const plain = containerCreateBody(
    RunSpecSchema.parse({ image: 'x' }),
    identity,
    'Schedule',
    [],
    'op-a',
  ).HostConfig;
  for (const key of ['PidMode', 'ReadonlyRootfs', 'SecurityOpt', 'CapDrop', 'CapAdd'] as const) {
    assert.equal(plain?.[key], undefined, `${key} unset unless asked for`);
  }
});
