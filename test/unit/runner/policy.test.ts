import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../../src/api/schema.ts';
import { bindAllowed, checkPolicy, DEFAULT_POLICY, type SecurityPolicy } from '../../../src/runner/policy.ts';

const spec = (s: object) => ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...s });
const allowAll: SecurityPolicy = {
  allowPrivileged: true,
  allowHostNetwork: true,
  allowHostPid: true,
  allowedBindPrefixes: ['/srv'],
};

const cases: { name: string; spec: object; policy: SecurityPolicy; field?: string; reason?: string }[] = [
  { name: 'plain run allowed', spec: { run: { image: 'x' } }, policy: DEFAULT_POLICY },
  {
    name: 'named volume allowed',
    spec: { run: { image: 'x', volumes: [{ source: 'data', target: '/d' }] } },
    policy: DEFAULT_POLICY,
  },
  {
    name: 'privileged denied',
    spec: { run: { image: 'x', privileged: true } },
    policy: DEFAULT_POLICY,
    field: 'spec.run.privileged',
    reason: 'PrivilegedNotAllowed',
  },
  { name: 'privileged allowed by policy', spec: { run: { image: 'x', privileged: true } }, policy: allowAll },
  {
    name: 'host network denied',
    spec: { run: { image: 'x', network: 'host' } },
    policy: DEFAULT_POLICY,
    field: 'spec.run.network',
    reason: 'HostNetworkNotAllowed',
  },
  { name: 'other networks allowed', spec: { run: { image: 'x', network: 'none' } }, policy: DEFAULT_POLICY },
  {
    name: 'bind denied by default, names the volume index',
    spec: {
      run: {
        image: 'x',
        volumes: [
          { source: 'v', target: '/v' },
          { type: 'bind', source: '/srv/x', target: '/x' },
        ],
      },
    },
    policy: DEFAULT_POLICY,
    field: 'spec.run.volumes[1].source',
    reason: 'BindMountNotAllowed',
  },
  {
    name: 'bind under an allowed prefix',
    spec: { run: { image: 'x', volumes: [{ type: 'bind', source: '/srv/x', target: '/x' }] } },
    policy: allowAll,
  },
  {
    name: 'bind outside the prefix',
    spec: { run: { image: 'x', volumes: [{ type: 'bind', source: '/etc', target: '/x' }] } },
    policy: allowAll,
    field: 'spec.run.volumes[0].source',
    reason: 'BindMountNotAllowed',
  },
  {
    name: 'privileged exec denied',
    spec: { exec: { container: 'c', command: ['true'], privileged: true } },
    policy: DEFAULT_POLICY,
    field: 'spec.exec.privileged',
    reason: 'PrivilegedNotAllowed',
  },
];

for (const c of cases) {
  test(`checkPolicy: ${c.name}`, () => {
    const v = checkPolicy(spec(c.spec), c.policy);
    if (!c.field) return assert.equal(v, undefined);
    assert.equal(v?.field, c.field);
    assert.equal(v?.reason, c.reason);
    assert.ok(v?.message.startsWith(`${c.field}:`), v?.message);
  });
}

const binds: { source: string; prefixes: string[]; want: boolean }[] = [
  { source: '/srv/data', prefixes: ['/srv'], want: true },
  { source: '/srv', prefixes: ['/srv/'], want: true },
  { source: '/srvx/data', prefixes: ['/srv'], want: false },
  { source: '/srv/../etc', prefixes: ['/srv'], want: false },
  { source: 'srv/data', prefixes: ['/srv'], want: false },
  { source: '/anything', prefixes: ['/'], want: true },
  { source: '/srv/data', prefixes: [], want: false },
];
for (const b of binds) {
  test(`bindAllowed(${b.source}, [${b.prefixes}]) = ${b.want}`, () =>
    assert.equal(bindAllowed(b.source, b.prefixes), b.want));
}
