import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerName,
  INSTANCE_ID_PATTERN,
  LABELS,
  MANAGED_BY_VALUE,
  type RunIdentity,
  runLabels,
  runName,
} from '../../../src/api/run-identity.ts';

const identity: RunIdentity = {
  namespace: 'team',
  jobName: 'backup',
  jobUid: '6f1c1a52-0d7e-4a53-9c1e-1b1f0c7d2a10',
  scheduledTime: Date.UTC(2026, 0, 1, 2, 3, 4),
  attempt: 1,
};

test('runLabels: managed-by, instance and the whole run identity', () => {
  assert.deepEqual(runLabels({ ...identity, attempt: 2 }, 'Retry', 'op-a'), {
    [LABELS.managedBy]: MANAGED_BY_VALUE,
    [LABELS.instance]: 'op-a',
    [LABELS.namespace]: 'team',
    [LABELS.job]: 'backup',
    [LABELS.jobUid]: identity.jobUid,
    [LABELS.run]: 'backup-1767232984-2',
    [LABELS.scheduledTime]: '2026-01-01T02:03:04.000Z',
    [LABELS.attempt]: '2',
    [LABELS.trigger]: 'Retry',
  });
  assert.equal(LABELS.instance, 'ofelia.dev/instance');
  assert.equal(runName({ ...identity, attempt: 2 }), 'backup-1767232984-2');
});

test('containerName: namespace, run name, job uid digest and instance digest', () => {
  const name = containerName(identity, 'op-a');
  assert.match(name, /^ofelia_team_backup-1767232984_[0-9a-f]{8}_[0-9a-f]{8}$/);
  assert.match(name, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'a valid Docker name');
  assert.equal(containerName(identity, 'op-a'), name, 'deterministic');
});

const differing: { name: string; a: [RunIdentity, string]; b: [RunIdentity, string] }[] = [
  { name: 'two instances, same run', a: [identity, 'op-a'], b: [identity, 'op-b'] },
  {
    name: 'same instance, job re-created (new uid)',
    a: [identity, 'op-a'],
    b: [{ ...identity, jobUid: 'another-uid' }, 'op-a'],
  },
  {
    name: 'same instance, next second',
    a: [identity, 'op-a'],
    b: [{ ...identity, scheduledTime: identity.scheduledTime + 1000 }, 'op-a'],
  },
  { name: 'same instance, retry', a: [identity, 'op-a'], b: [{ ...identity, attempt: 2 }, 'op-a'] },
  {
    name: 'same instance, other namespace',
    a: [identity, 'op-a'],
    b: [{ ...identity, namespace: 'other' }, 'op-a'],
  },
];
for (const row of differing) {
  test(`containerName differs: ${row.name}`, () => {
    assert.notEqual(containerName(...row.a), containerName(...row.b));
  });
}

test('containerName: only the instance digest differs between two instances', () => {
  const a = containerName(identity, 'op-a').split('_');
  const b = containerName(identity, 'op-b').split('_');
  assert.deepEqual(a.slice(0, -1), b.slice(0, -1));
  assert.notEqual(a.at(-1), b.at(-1));
});

const ids: { id: string; valid: boolean }[] = [
  { id: 'a', valid: true },
  { id: 'run-once', valid: true },
  { id: '0123456789abcdef', valid: true },
  { id: 'x'.repeat(40), valid: true },
  { id: '', valid: false },
  { id: 'x'.repeat(41), valid: false },
  { id: 'Prod', valid: false },
  { id: 'a_b', valid: false },
  { id: 'a.b', valid: false },
  { id: 'a b', valid: false },
];
for (const row of ids) {
  test(`INSTANCE_ID_PATTERN: "${row.id.length > 12 ? `${row.id.slice(0, 6)}…(${row.id.length})` : row.id}" ${row.valid ? 'valid' : 'invalid'}`, () => {
    assert.equal(INSTANCE_ID_PATTERN.test(row.id), row.valid);
  });
}
