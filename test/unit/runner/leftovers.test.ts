import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLabels } from '../../../src/api/run-identity.ts';
import { describeLeftover, identityFromLabels } from '../../../src/runner/leftovers.ts';

const identity = {
  namespace: 'team',
  jobName: 'backup',
  jobUid: 'uid-1',
  scheduledTime: Date.UTC(2026, 0, 1, 2, 3, 4),
  attempt: 2,
};

test('identityFromLabels: round-trips runLabels', () => {
  assert.deepEqual(identityFromLabels(runLabels(identity, 'Retry', 'op-a')), identity);
});

test('identityFromLabels: incomplete labels give no identity', () => {
  const labels = runLabels(identity, 'Retry', 'op-a');
  for (const key of Object.keys(labels).filter(
    (k) =>
      !k.endsWith('managed-by') && !k.endsWith('/trigger') && !k.endsWith('/run') && !k.endsWith('/instance'),
  )) {
    const broken = { ...labels };
    delete broken[key];
    if (key.endsWith('/attempt')) continue; // attempt defaults to 1
    assert.equal(identityFromLabels(broken), undefined, `without ${key}`);
  }
});

const rows = [
  {
    name: 'running',
    summary: { State: 'running', Status: 'Up 3 minutes' },
    want: { running: true, exitCode: undefined },
  },
  {
    name: 'exited 3',
    summary: { State: 'exited', Status: 'Exited (3) 2 minutes ago' },
    want: { running: false, exitCode: 3 },
  },
  {
    name: 'exited 0',
    summary: { State: 'exited', Status: 'Exited (0) 1 second ago' },
    want: { running: false, exitCode: 0 },
  },
  {
    name: 'created',
    summary: { State: 'created', Status: 'Created' },
    want: { running: false, exitCode: undefined },
  },
];
for (const r of rows) {
  test(`describeLeftover: ${r.name}`, () => {
    const d = describeLeftover('local', {
      Id: 'abc',
      Names: ['/ofelia_team_backup-1_x'],
      Image: 'i',
      Labels: runLabels(identity, 'Retry', 'op-a'),
      Created: 0,
      ...r.summary,
    });
    assert.equal(d.running, r.want.running);
    assert.equal(d.exitCode, r.want.exitCode);
    assert.equal(d.name, 'ofelia_team_backup-1_x');
    assert.equal(d.trigger, 'Retry');
    assert.deepEqual(d.identity, identity);
    assert.equal(d.instance, 'op-a');
  });
}

test('describeLeftover: a container without an instance label has no instance', () => {
  const labels = runLabels(identity, 'Schedule', 'op-a');
  delete labels['ofelia.dev/instance'];
  const d = describeLeftover('local', {
    Id: 'abc',
    Names: ['/old'],
    Image: 'i',
    Labels: labels,
    Created: 0,
    State: 'running',
    Status: 'Up 1 second',
  });
  assert.equal(d.instance, undefined);
  assert.deepEqual(d.identity, identity, 'the run identity is still parsed');
});
