import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpdateFilter } from '../../../src/controller/update-filter.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';

const base: JobObject = {
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: {
    name: 'a',
    namespace: 'default',
    uid: 'u1',
    generation: 1,
    resourceVersion: '10',
    finalizers: ['ofelia.dev/cleanup'],
  },
  spec: { schedule: '* * * * *', run: { image: 'busybox' } },
  status: { observedGeneration: 1 },
};
const withMeta = (meta: Record<string, unknown>): JobObject => ({
  ...base,
  metadata: { ...base.metadata, ...meta },
});

const rows: { name: string; next: JobObject; reconcile: boolean }[] = [
  // the echo of the controller's own status write
  {
    name: 'status and resourceVersion only',
    next: {
      ...withMeta({ resourceVersion: '11' }),
      status: { observedGeneration: 1, nextScheduleTime: 'x' },
    },
    reconcile: false,
  },
  { name: 'managedFields only', next: withMeta({ managedFields: [{ manager: 'x' }] }), reconcile: false },
  // what reconcile reads
  {
    name: 'spec changed (generation bumped)',
    next: { ...withMeta({ generation: 2 }), spec: { schedule: '@every 1m', run: { image: 'busybox' } } },
    reconcile: true,
  },
  {
    name: 'spec changed without a generation bump',
    next: { ...base, spec: { schedule: '@every 1m', run: { image: 'busybox' } } },
    reconcile: true,
  },
  {
    name: 'annotation added (manual trigger)',
    next: withMeta({ annotations: { 'ofelia.dev/run-now': 't' } }),
    reconcile: true,
  },
  { name: 'being deleted', next: withMeta({ deletionTimestamp: '2026-01-01T00:00:00Z' }), reconcile: true },
  { name: 'finalizer removed', next: withMeta({ finalizers: [] }), reconcile: true },
  { name: 'labels changed', next: withMeta({ labels: { team: 'a' } }), reconcile: true },
  { name: 're-created (another uid)', next: withMeta({ uid: 'u2' }), reconcile: true },
];

for (const row of rows) {
  test(`UpdateFilter: ${row.name} -> ${row.reconcile ? 'reconcile' : 'skip'}`, () => {
    const f = new UpdateFilter();
    assert.equal(f.added('default/a', base), true);
    assert.equal(f.updated('default/a', row.next), row.reconcile);
    // The same object again is never worth a second reconcile.
    assert.equal(f.updated('default/a', row.next), false);
  });
}

test('UpdateFilter: an update of an object never seen is reconciled; a delete forgets it', () => {
  const f = new UpdateFilter();
  assert.equal(f.updated('default/a', base), true);
  assert.equal(f.deleted('default/a'), true);
  assert.equal(f.size, 0);
  assert.equal(f.updated('default/a', base), true);
});
