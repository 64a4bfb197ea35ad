import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../../../src/api/schema.ts';
import type { ContainerFacts, VolumeFacts } from '../../../../src/runner/policy/facts.ts';
import {
  evaluatePolicy,
  type PolicyFacts,
  STATIC_RULES,
  securityPolicy,
} from '../../../../src/runner/policy/index.ts';
import { bindAllowed } from '../../../../src/runner/policy/rules/bind-mounts.ts';

const spec = (s: object) => ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...s });
const run = (r: object) => ({ run: { image: 'x', ...r } });
const exec = (e: object) => ({ exec: { container: 'db', command: ['id'], ...e } });

// ---- named fixtures: containers, volumes, bind sources
const container = (over: Partial<ContainerFacts> = {}): ContainerFacts => ({
  id: 'c0ffee',
  name: 'db',
  labels: {},
  running: true,
  status: 'running',
  user: '',
  networkMode: 'none',
  ...over,
});
const optedIn = (value: string, over: Partial<ContainerFacts> = {}) =>
  container({ labels: { 'ofelia.dev/exec-from': value }, ...over });
const hostBindVolume: VolumeFacts = {
  name: 'team_sneaky',
  driver: 'local',
  options: { type: 'none', o: 'bind', device: '/etc' },
};
const facts = (over: Partial<PolicyFacts> = {}): PolicyFacts => ({
  volumes: new Map(),
  bindSources: new Map(),
  resolvedPrefixes: new Map(),
  ...over,
});
const binds = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, { resolved: v }]));

const baseline = securityPolicy();
const restricted = securityPolicy({ level: 'restricted' });
const privileged = securityPolicy({ level: 'privileged' });
const restrictedRun = {
  user: '1000:1000',
  securityContext: {
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  },
};

interface Case {
  name: string;
  spec: object;
  namespace?: string;
  policy?: ReturnType<typeof securityPolicy>;
  facts?: PolicyFacts;
  /** undefined: allowed. */
  field?: string;
  reason?: string;
}

const cases: Case[] = [
  // ---- plain jobs
  { name: 'plain run', spec: run({}) },
  { name: 'plain run, restricted fields set', spec: run(restrictedRun), policy: restricted },
  {
    name: 'anything goes under privileged',
    spec: run({ privileged: true, network: 'host', hostPID: true }),
    policy: privileged,
  },

  // ---- privileged, hostPID
  {
    name: 'privileged run',
    spec: run({ privileged: true }),
    field: 'spec.run.privileged',
    reason: 'PrivilegedNotAllowed',
  },
  {
    name: 'privileged run with --allow-privileged',
    spec: run({ privileged: true }),
    policy: securityPolicy({ allowPrivileged: true }),
  },
  {
    name: 'privileged exec',
    spec: exec({ privileged: true }),
    facts: facts({ execTarget: optedIn('*') }),
    field: 'spec.exec.privileged',
    reason: 'PrivilegedNotAllowed',
  },
  { name: 'hostPID', spec: run({ hostPID: true }), field: 'spec.run.hostPID', reason: 'HostPidNotAllowed' },
  {
    name: 'hostPID with --allow-host-pid',
    spec: run({ hostPID: true }),
    policy: securityPolicy({ allowHostPid: true }),
  },

  // ---- network
  { name: 'network none', spec: run({ network: 'none' }) },
  { name: 'network bridge (the daemon default)', spec: run({ network: 'bridge' }) },
  {
    name: 'network host',
    spec: run({ network: 'host' }),
    field: 'spec.run.network',
    reason: 'HostNetworkNotAllowed',
  },
  {
    name: 'network host allowed',
    spec: run({ network: 'host' }),
    policy: securityPolicy({ allowHostNetwork: true }),
  },
  {
    name: 'user network not listed',
    spec: run({ network: 'backend' }),
    field: 'spec.run.network',
    reason: 'NetworkNotAllowed',
  },
  {
    name: 'user network listed',
    spec: run({ network: 'backend' }),
    policy: securityPolicy({ allowedNetworks: ['backend'] }),
  },
  {
    name: 'container network, no opt-in',
    spec: run({ network: 'container:db' }),
    facts: facts({ networkContainer: container() }),
    field: 'spec.run.network',
    reason: 'NetworkContainerNotOptedIn',
  },
  {
    name: 'container network, opted in for the namespace',
    spec: run({ network: 'container:db' }),
    namespace: 'team',
    facts: facts({ networkContainer: optedIn('ops, team') }),
  },
  {
    name: 'container network, opted in for another namespace',
    spec: run({ network: 'container:db' }),
    namespace: 'team',
    facts: facts({ networkContainer: optedIn('ops') }),
    field: 'spec.run.network',
    reason: 'NetworkContainerNotOptedIn',
  },
  {
    name: 'container network on the host network, opted in',
    spec: run({ network: 'container:db' }),
    facts: facts({ networkContainer: optedIn('*', { networkMode: 'host' }) }),
    field: 'spec.run.network',
    reason: 'HostNetworkNotAllowed',
  },
  {
    name: 'container network chained to another container',
    spec: run({ network: 'container:db' }),
    facts: facts({ networkContainer: optedIn('*', { networkMode: 'container:abc' }) }),
    field: 'spec.run.network',
    reason: 'NetworkContainerNotAllowed',
  },
  {
    name: 'container network, no such container',
    spec: run({ network: 'container:gone' }),
    facts: facts({ networkContainer: null }),
    field: 'spec.run.network',
    reason: 'NetworkContainerNotFound',
  },
  {
    name: 'container network allowed by name pattern',
    spec: run({ network: 'container:db' }),
    policy: securityPolicy({ allowedExecContainers: ['d*'] }),
    facts: facts({ networkContainer: container() }),
  },

  // ---- exec targets and exec.user
  {
    name: 'exec, target without opt-in',
    spec: exec({}),
    facts: facts({ execTarget: container() }),
    field: 'spec.exec.container',
    reason: 'ExecTargetNotOptedIn',
  },
  { name: 'exec, target opted in with *', spec: exec({}), facts: facts({ execTarget: optedIn('*') }) },
  {
    name: 'exec, target opted in for the namespace',
    spec: exec({}),
    namespace: 'a',
    facts: facts({ execTarget: optedIn('a,b') }),
  },
  {
    name: 'exec, target opted in for other namespaces only',
    spec: exec({}),
    namespace: 'c',
    facts: facts({ execTarget: optedIn('a,b') }),
    field: 'spec.exec.container',
    reason: 'ExecTargetNotOptedIn',
  },
  {
    name: 'exec, target allowed by --allow-exec-container',
    spec: exec({}),
    policy: securityPolicy({ allowedExecContainers: ['web-*', 'db'] }),
    facts: facts({ execTarget: container() }),
  },
  {
    name: 'exec as root under baseline',
    spec: exec({ user: 'root' }),
    facts: facts({ execTarget: optedIn('*') }),
  },
  {
    name: 'exec as root under restricted',
    spec: exec({ user: '0' }),
    policy: restricted,
    facts: facts({ execTarget: optedIn('*') }),
    field: 'spec.exec.user',
    reason: 'RunAsNonRootRequired',
  },
  {
    name: 'exec by user name under restricted (cannot be proven non-root)',
    spec: exec({ user: 'app' }),
    policy: restricted,
    facts: facts({ execTarget: optedIn('*') }),
    field: 'spec.exec.user',
    reason: 'RunAsNonRootRequired',
  },
  {
    name: 'exec as uid 1000 under restricted',
    spec: exec({ user: '1000' }),
    policy: restricted,
    facts: facts({ execTarget: optedIn('*') }),
  },
  {
    name: "exec without user under restricted: the target's non-root user",
    spec: exec({}),
    policy: restricted,
    facts: facts({ execTarget: optedIn('*', { user: '999:999' }) }),
  },
  {
    name: "exec without user under restricted: the target's default (root) user",
    spec: exec({}),
    policy: restricted,
    facts: facts({ execTarget: optedIn('*') }),
    field: 'spec.exec.user',
    reason: 'RunAsNonRootRequired',
  },
  {
    name: 'exec target opt-in is required under restricted too',
    spec: exec({ user: '1000' }),
    policy: restricted,
    facts: facts({ execTarget: container() }),
    field: 'spec.exec.container',
    reason: 'ExecTargetNotOptedIn',
  },

  // ---- restricted run fields
  {
    name: 'restricted: no user',
    spec: run({ ...restrictedRun, user: undefined }),
    policy: restricted,
    field: 'spec.run.user',
    reason: 'RunAsNonRootRequired',
  },
  {
    name: 'restricted: uid 0 with a group',
    spec: run({ ...restrictedRun, user: '0:1000' }),
    policy: restricted,
    field: 'spec.run.user',
    reason: 'RunAsNonRootRequired',
  },
  {
    name: 'restricted: writable root filesystem',
    spec: run({
      ...restrictedRun,
      securityContext: { ...restrictedRun.securityContext, readOnlyRootFilesystem: false },
    }),
    policy: restricted,
    field: 'spec.run.securityContext.readOnlyRootFilesystem',
    reason: 'ReadOnlyRootFilesystemRequired',
  },
  {
    name: 'restricted: privilege escalation not turned off',
    spec: run({
      ...restrictedRun,
      securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    }),
    policy: restricted,
    field: 'spec.run.securityContext.allowPrivilegeEscalation',
    reason: 'PrivilegeEscalationNotAllowed',
  },
  {
    name: 'restricted: capabilities not dropped',
    spec: run({
      ...restrictedRun,
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    }),
    policy: restricted,
    field: 'spec.run.securityContext.capabilities.drop',
    reason: 'CapabilitiesMustBeDropped',
  },
  {
    name: 'restricted: NET_BIND_SERVICE may be added back',
    spec: run({
      ...restrictedRun,
      securityContext: {
        ...restrictedRun.securityContext,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
      },
    }),
    policy: restricted,
  },
  {
    name: 'restricted: CHOWN may not be added',
    spec: run({
      ...restrictedRun,
      securityContext: {
        ...restrictedRun.securityContext,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] },
      },
    }),
    policy: restricted,
    field: 'spec.run.securityContext.capabilities.add[1]',
    reason: 'CapabilityNotAllowed',
  },
  {
    name: 'baseline: adding a default capability',
    spec: run({ securityContext: { capabilities: { add: ['CHOWN'] } } }),
  },
  {
    name: 'baseline: adding SYS_ADMIN',
    spec: run({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }),
    field: 'spec.run.securityContext.capabilities.add[0]',
    reason: 'CapabilityNotAllowed',
  },
  {
    name: 'privileged level: SYS_ADMIN',
    spec: run({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }),
    policy: privileged,
  },

  // ---- bind mounts
  {
    name: 'bind, no prefixes at all',
    spec: run({
      volumes: [
        { source: 'team_v', target: '/v' },
        { type: 'bind', source: '/srv/x', target: '/x' },
      ],
    }),
    namespace: 'team',
    facts: facts({ volumes: new Map([['team_v', null]]), bindSources: binds({ '/srv/x': '/srv/x' }) }),
    field: 'spec.run.volumes[1].source',
    reason: 'BindMountNotAllowed',
  },
  {
    name: 'bind read-only under a read-only prefix',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/x', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/srv/x': '/srv/x' }) }),
  },
  {
    name: 'bind writable under a read-only prefix',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/x', target: '/x' }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/srv/x': '/srv/x' }) }),
    field: 'spec.run.volumes[0].readOnly',
    reason: 'BindMountReadOnly',
  },
  {
    name: 'bind writable under a read-write prefix',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/x', target: '/x' }] }),
    policy: securityPolicy({ allowedBindPrefixesReadWrite: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/srv/x': '/srv/x' }) }),
  },
  {
    name: 'bind outside the prefixes',
    spec: run({ volumes: [{ type: 'bind', source: '/etc', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/etc': '/etc' }) }),
    field: 'spec.run.volumes[0].source',
    reason: 'BindMountNotAllowed',
  },
  {
    name: 'bind through a planted symlink to /etc',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/escape', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixesReadWrite: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/srv/escape': '/etc' }) }),
    field: 'spec.run.volumes[0].source',
    reason: 'BindSourceEscapes',
  },
  {
    name: 'bind through a symlink from a read-write into a read-only prefix must be read-only',
    spec: run({ volumes: [{ type: 'bind', source: '/scratch/link', target: '/x' }] }),
    policy: securityPolicy({ allowedBindPrefixesReadWrite: ['/scratch'], allowedBindPrefixes: ['/srv'] }),
    facts: facts({ bindSources: binds({ '/scratch/link': '/srv/data' }) }),
    field: 'spec.run.volumes[0].readOnly',
    reason: 'BindMountReadOnly',
  },
  {
    name: 'bind under a prefix that is itself a symlink (prefix resolved too)',
    spec: run({ volumes: [{ type: 'bind', source: '/data/x', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/data'] }),
    facts: facts({
      bindSources: binds({ '/data/x': '/mnt/disk1/x' }),
      resolvedPrefixes: new Map([['/data', '/mnt/disk1']]),
    }),
  },
  {
    name: 'bind source that does not exist',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/none', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/srv'] }),
    facts: facts({ bindSources: new Map([['/srv/none', { error: 'NotFound', detail: 'ENOENT' }]]) }),
    field: 'spec.run.volumes[0].source',
    reason: 'BindSourceNotFound',
  },
  {
    name: 'bind with .. in the path',
    spec: run({ volumes: [{ type: 'bind', source: '/srv/../etc', target: '/x', readOnly: true }] }),
    policy: securityPolicy({ allowedBindPrefixes: ['/srv'] }),
    field: 'spec.run.volumes[0].source',
    reason: 'BindMountNotAllowed',
  },

  // ---- named volumes
  {
    name: "volume of the job's namespace",
    spec: run({ volumes: [{ source: 'team_data', target: '/d' }] }),
    namespace: 'team',
    facts: facts({ volumes: new Map([['team_data', { name: 'team_data', driver: 'local', options: {} }]]) }),
  },
  {
    name: "another namespace's volume",
    spec: run({ volumes: [{ source: 'other_data', target: '/d' }] }),
    namespace: 'team',
    facts: facts({ volumes: new Map([['other_data', null]]) }),
    field: 'spec.run.volumes[0].source',
    reason: 'VolumeNotAllowed',
  },
  {
    name: 'a namespace that is a prefix of another cannot claim its volumes',
    spec: run({ volumes: [{ source: 'team-b_data', target: '/d' }] }),
    namespace: 'team',
    facts: facts({ volumes: new Map([['team-b_data', null]]) }),
    field: 'spec.run.volumes[0].source',
    reason: 'VolumeNotAllowed',
  },
  {
    name: 'volume allowed by --allow-volume pattern',
    spec: run({ volumes: [{ source: 'shared-cache', target: '/d' }] }),
    namespace: 'team',
    policy: securityPolicy({ allowedVolumes: ['shared-*'] }),
    facts: facts({ volumes: new Map([['shared-cache', null]]) }),
  },
  {
    name: 'own-namespace volume whose driver options bind a host path',
    spec: run({ volumes: [{ source: 'team_sneaky', target: '/d' }] }),
    namespace: 'team',
    facts: facts({ volumes: new Map([['team_sneaky', hostBindVolume]]) }),
    field: 'spec.run.volumes[0].source',
    reason: 'HostPathVolume',
  },
  {
    name: 'allow-listed volume on a host block device',
    spec: run({ volumes: [{ source: 'disk', target: '/d' }] }),
    policy: securityPolicy({ allowedVolumes: ['disk'] }),
    facts: facts({
      volumes: new Map([
        ['disk', { name: 'disk', driver: 'local', options: { type: 'ext4', device: '/dev/sdb1' } }],
      ]),
    }),
    field: 'spec.run.volumes[0].source',
    reason: 'HostPathVolume',
  },
  {
    name: 'own-namespace tmpfs volume',
    spec: run({ volumes: [{ source: 'team_tmp', target: '/d' }] }),
    namespace: 'team',
    facts: facts({
      volumes: new Map([
        ['team_tmp', { name: 'team_tmp', driver: 'local', options: { type: 'tmpfs', device: 'tmpfs' } }],
      ]),
    }),
  },
];

for (const c of cases) {
  test(`evaluatePolicy: ${c.name}`, () => {
    const d = evaluatePolicy({
      spec: spec(c.spec),
      namespace: c.namespace ?? 'default',
      policy: c.policy ?? baseline,
      facts: c.facts ?? facts(),
    });
    if (!c.field) return assert.deepEqual(d, { allowed: true });
    assert.equal(d.allowed, false);
    if (d.allowed) return;
    assert.equal(d.denial.field, c.field);
    assert.equal(d.denial.reason, c.reason);
    assert.ok(d.denial.message.startsWith(`${c.field}: `), d.denial.message);
    assert.match(d.denial.message, /by the operator's security policy$/);
  });
}

test('the static rules alone deny what the spec says, without facts (no Docker call needed)', () => {
  const d = evaluatePolicy(
    { spec: spec(exec({ privileged: true })), namespace: 'a', policy: baseline, facts: facts() },
    STATIC_RULES,
  );
  assert.equal(d.allowed ? undefined : d.denial.reason, 'PrivilegedNotAllowed');
  const plain = evaluatePolicy(
    { spec: spec(exec({})), namespace: 'a', policy: baseline, facts: facts() },
    STATIC_RULES,
  );
  assert.deepEqual(plain, { allowed: true }, 'the opt-in needs facts: not decided by the static rules');
});

const lexical: { source: string; prefixes: string[]; want: boolean }[] = [
  { source: '/srv/data', prefixes: ['/srv'], want: true },
  { source: '/srv', prefixes: ['/srv/'], want: true },
  { source: '/srvx/data', prefixes: ['/srv'], want: false },
  { source: '/srv/../etc', prefixes: ['/srv'], want: false },
  { source: 'srv/data', prefixes: ['/srv'], want: false },
  { source: '/anything', prefixes: ['/'], want: true },
  { source: '/srv/data', prefixes: [], want: false },
];
for (const b of lexical) {
  test(`bindAllowed(${b.source}, [${b.prefixes}]) = ${b.want}`, () =>
    assert.equal(bindAllowed(b.source, b.prefixes), b.want));
}
