import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trimReceived } from '../../../src/kube/trim-received.ts';

test('trimReceived drops managedFields and keeps everything else as received', () => {
  const obj = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name: 'a',
      namespace: 'ops',
      labels: { app: 'x' },
      managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
    },
    spec: { schedule: '@hourly' },
    status: { nextScheduleTime: '2026-01-01T01:00:00Z' },
  };
  const out = trimReceived(obj);
  assert.equal(out, obj, 'trimmed in place: the informer owns what it received');
  assert.deepEqual(out, {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'a', namespace: 'ops', labels: { app: 'x' } },
    spec: { schedule: '@hourly' },
    status: { nextScheduleTime: '2026-01-01T01:00:00Z' },
  });
  assert.deepEqual(trimReceived({ kind: 'Status' }), { kind: 'Status' }, 'no metadata: unchanged');
});
