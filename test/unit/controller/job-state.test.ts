import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunIdentity } from '../../../src/api/run-identity.ts';
import type { ScheduledDockerJob } from '../../../src/api/schema.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { type ActiveRun, JobState } from '../../../src/controller/job-state.ts';
import { keepJob } from '../../../src/controller/kept-job.ts';

/** A job as the informer hands it out: status, managedFields, annotations and all. */
const stored = {
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: {
    name: 'backup',
    namespace: 'default',
    uid: 'u1',
    generation: 2,
    resourceVersion: '17',
    labels: { team: 'ops' },
    annotations: { note: 'kept by the API server only' },
    finalizers: ['ofelia.dev/cleanup'],
    managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
  },
  spec: { schedule: '0 3 * * *', run: { image: 'busybox' } },
  status: { observedGeneration: 1, lastResult: 'Failed', nextScheduleTime: '2026-01-02T03:00:00Z' },
};

function validated(obj: unknown): ScheduledDockerJob {
  const v = validateScheduledDockerJob(obj);
  assert.ok(v.ok, 'the test job is valid');
  return v.job;
}

test('keepJob keeps the validated spec and the labels, and nothing of metadata or status', () => {
  const job = validated(stored);
  const kept = keepJob(job);
  assert.deepEqual(Object.keys(kept).sort(), ['labels', 'spec']);
  assert.equal(kept.spec, job.spec, 'the validated spec itself, defaults applied');
  assert.equal(kept.spec.concurrencyPolicy, 'Forbid');
  assert.deepEqual(kept.labels, { team: 'ops' });
  assert.equal(
    keepJob(validated({ ...stored, metadata: { name: 'b', namespace: 'default' } })).labels,
    undefined,
  );
});

test('JobState: its status is its own copy of the object status, not shared with the informer', () => {
  const status = structuredClone(stored.status) as JobState['status'];
  const state = new JobState('default', 'backup', 'u1', status);
  assert.deepEqual(state.status, stored.status);
  assert.notEqual(state.status, status);
  assert.equal(state.lastActedMs, undefined, 'no lastScheduleTime in this status');
});

function run(name: string): ActiveRun {
  const identity: RunIdentity = {
    namespace: 'default',
    jobName: 'backup',
    jobUid: 'u1',
    scheduledTime: 0,
    attempt: 1,
  };
  return {
    name,
    identity,
    trigger: 'Schedule',
    abort: new AbortController(),
    done: new Promise(() => {}),
    daemon: 'local',
  };
}

test('JobState: active runs are added and removed by run, an older run of the same name left alone', () => {
  const state = new JobState('default', 'backup', 'u1', undefined);
  const empty = new JobState('default', 'other', 'u2', undefined);
  assert.equal(state.active.size, 0);
  const first = run('backup-1');
  state.addActive(first);
  assert.equal(state.active.get('backup-1'), first);
  assert.equal(empty.active.size, 0, 'another job sees none of it');
  const again = run('backup-1');
  state.removeActive(again);
  assert.equal(state.active.get('backup-1'), first, 'not the run of that name: nothing removed');
  state.addActive(run('backup-2'));
  state.removeActive(first);
  assert.deepEqual([...state.active.keys()], ['backup-2']);
  assert.equal(state.executingCount, 1);
});

test('JobState: chain claims are set, replaced and released per upstream', () => {
  const state = new JobState('default', 'backup', 'u1', undefined);
  state.claimChain('extract', { job: 'extract', run: 'extract-1', finishTime: '2026-01-01T00:00:00Z' });
  state.claimChain('extract', { job: 'extract', run: 'extract-2', finishTime: '2026-01-01T01:00:00Z' });
  state.claimChain('load', { job: 'load', finishTime: '2026-01-01T00:30:00Z' });
  assert.equal(state.chainClaims.get('extract')?.run, 'extract-2');
  state.releaseChainClaim('extract');
  state.releaseChainClaim('missing');
  assert.deepEqual([...state.chainClaims.keys()], ['load']);
  state.releaseChainClaim('load');
  assert.equal(state.chainClaims.size, 0);
});
