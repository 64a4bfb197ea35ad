import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { execJob, type Manifest, runJob } from './fixtures.ts';

/** Sets each dotted path (`spec.run.image`) to its value; undefined deletes the key. */
function apply(m: Manifest, set: Record<string, unknown>): Manifest {
  for (const [path, value] of Object.entries(set)) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let node = m;
    for (const k of keys) {
      node[k] ??= {};
      node = node[k];
    }
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return m;
}

/** Manifests at the edges of each rule that must still be accepted. */
const cases: Array<{ name: string; set: Record<string, unknown>; base?: () => Manifest }> = [
  // ---- names and metadata
  { name: 'name of exactly 52 characters', set: { 'metadata.name': 'a'.repeat(52) } },
  { name: 'name with dots', set: { 'metadata.name': 'db.backup.nightly' } },
  {
    name: 'generateName instead of name',
    set: { 'metadata.name': undefined, 'metadata.generateName': 'backup-' },
  },
  { name: 'no namespace', set: { 'metadata.namespace': undefined } },
  {
    name: 'qualified label keys, empty value',
    set: { 'metadata.labels': { 'app.kubernetes.io/name': 'x', tier: '' } },
  },
  {
    name: 'run-now annotation and server-set metadata',
    set: {
      'metadata.annotations': { 'ofelia.dev/run-now': '1767225600' },
      'metadata.uid': 'abc',
      'metadata.resourceVersion': '12',
      'metadata.generation': 3,
      'metadata.finalizers': ['ofelia.dev/cleanup'],
    },
  },
  // ---- schedules
  { name: '6-field schedule with seconds', set: { 'spec.schedule': '*/10 * * * * *' } },
  { name: 'hashed minute', set: { 'spec.schedule': 'H * * * *' } },
  { name: 'hashed range step', set: { 'spec.schedule': 'H(0-29)/10 * * * *' } },
  { name: '@every', set: { 'spec.schedule': '@every 1h30m' } },
  { name: '@manual', set: { 'spec.schedule': '@manual' } },
  { name: '@hourly', set: { 'spec.schedule': '@hourly' } },
  { name: '29 February', set: { 'spec.schedule': '0 0 29 2 *' } },
  { name: 'a time zone', set: { 'spec.timeZone': 'Europe/Berlin' } },
  // ---- bounds, at the edge
  {
    name: 'every bound at its limit',
    set: {
      'spec.jitterSeconds': 3600,
      'spec.startingDeadlineSeconds': 0,
      'spec.activeDeadlineSeconds': 1,
      'spec.successfulRunsHistoryLimit': 0,
      'spec.failedRunsHistoryLimit': 100,
      'spec.retry': { limit: 100, initialBackoffSeconds: 300, maxBackoffSeconds: 300 },
    },
  },
  { name: 'stopTimeoutSeconds 0', set: { 'spec.run.stopTimeoutSeconds': 0 } },
  { name: 'null fields are pruned as unset', set: { 'spec.retry': null, 'spec.suspend': null } },
  // ---- run
  {
    name: 'image reference with registry, port, tag and digest',
    set: { 'spec.run.image': `registry.example.com:5000/team/tool:1.2.3@sha256:${'a'.repeat(64)}` },
  },
  { name: 'image on localhost with port', set: { 'spec.run.image': 'localhost:5000/busybox' } },
  { name: 'image local/busybox:test', set: { 'spec.run.image': 'local/busybox:test' } },
  {
    name: 'env forms',
    set: {
      'spec.run.env': [
        { name: 'EMPTY', value: '' },
        { name: 'my.var-1', value: 'x' },
        { name: 'S', valueFrom: { secretKeyRef: { name: 'db', key: 'pass.word', optional: true } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
      ],
    },
  },
  { name: 'quantities', set: { 'spec.run.resources': { memory: '1.5Gi', cpus: '500m', pids: 1 } } },
  { name: 'memory in plain bytes', set: { 'spec.run.resources': { memory: '6291456' } } },
  { name: 'memory with exponent', set: { 'spec.run.resources': { memory: '1e9', cpus: '0.01' } } },
  {
    name: 'volumes of both kinds',
    set: {
      'spec.run.volumes': [
        { source: 'data', target: '/data' },
        { type: 'bind', source: '/srv/backups', target: '/backups', readOnly: true },
      ],
    },
  },
  {
    name: 'process settings',
    set: {
      'spec.run.user': '1000:1000',
      'spec.run.workingDir': '/work',
      'spec.run.hostname': 'backup-1',
      'spec.run.network': 'none',
      'spec.run.labels': { team: 'db' },
    },
  },
  { name: 'user by name', set: { 'spec.run.user': 'nobody' } },
  { name: 'network container mode', set: { 'spec.run.network': 'container:proxy' } },
  { name: 'stop signal without SIG', set: { 'spec.run.stopSignal': 'term' } },
  { name: 'stop signal as a number', set: { 'spec.run.stopSignal': '15' } },
  { name: 'real-time stop signal', set: { 'spec.run.stopSignal': 'SIGRTMIN+3' } },
  { name: 'placement', set: { 'spec.placement': { nodeName: 'node-1.example', daemon: 'local' } } },
  // ---- exec
  { name: 'exec by container id', base: execJob, set: { 'spec.exec.container': 'a1b2c3d4e5f6' } },
  { name: 'exec with a leading slash', base: execJob, set: { 'spec.exec.container': '/postgres' } },
  {
    name: 'exec with env, user and dir',
    base: execJob,
    set: {
      'spec.exec.user': 'postgres',
      'spec.exec.workingDir': '/tmp',
      'spec.exec.env': [{ name: 'A', value: 'b' }],
    },
  },
  // ---- status
  {
    name: 'status written by the operator',
    set: {
      status: {
        activeCount: 0,
        lastResult: 'Succeeded',
        lastScheduleTime: '2026-01-01T03:00:00Z',
        counters: { succeeded: 1 },
      },
    },
  },
];

for (const c of cases) {
  test(`accepts: ${c.name}`, () => {
    const result = validateScheduledDockerJob(apply((c.base ?? runJob)(), c.set));
    assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.causes));
  });
}
