import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { execJob, runJob } from './fixtures.ts';

function valid(input: unknown) {
  const result = validateScheduledDockerJob(input);
  assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.causes));
  if (!result.ok) throw new Error('unreachable');
  return result.job;
}

test('spec defaults', () => {
  const { spec } = valid(runJob());
  assert.equal(spec.timeZone, 'UTC');
  assert.equal(spec.jitterSeconds, 0);
  assert.equal(spec.suspend, false);
  assert.equal(spec.concurrencyPolicy, 'Forbid');
  assert.equal(spec.successfulRunsHistoryLimit, 3);
  assert.equal(spec.failedRunsHistoryLimit, 3);
  // Optional fields without a default stay unset.
  assert.equal(spec.startingDeadlineSeconds, undefined);
  assert.equal(spec.activeDeadlineSeconds, undefined);
  assert.equal(spec.retry, undefined);
  assert.equal(spec.placement, undefined);
});

test('run defaults', () => {
  const run = valid(runJob()).spec.run;
  assert.deepEqual(
    {
      tty: run?.tty,
      privileged: run?.privileged,
      pullPolicy: run?.pullPolicy,
      remove: run?.remove,
      stopSignal: run?.stopSignal,
      stopTimeoutSeconds: run?.stopTimeoutSeconds,
    },
    {
      tty: false,
      privileged: false,
      pullPolicy: 'IfNotPresent',
      remove: 'Always',
      stopSignal: 'SIGTERM',
      stopTimeoutSeconds: 10,
    },
  );
});

test('exec defaults', () => {
  const exec = valid(execJob()).spec.exec;
  assert.equal(exec?.tty, false);
  assert.equal(exec?.privileged, false);
});

test('retry defaults when retry is given', () => {
  const m = runJob();
  m.spec.retry = {};
  assert.deepEqual(valid(m).spec.retry, { limit: 0, initialBackoffSeconds: 10, maxBackoffSeconds: 300 });
});

test('volume defaults', () => {
  const m = runJob();
  m.spec.run.volumes = [{ source: 'data', target: '/data' }];
  assert.deepEqual(valid(m).spec.run?.volumes, [
    { type: 'volume', source: 'data', target: '/data', readOnly: false },
  ]);
});

test('status counter defaults', () => {
  const m = runJob();
  m.status = { counters: {} };
  assert.deepEqual(valid(m).status?.counters, { succeeded: 0, failed: 0, missed: 0, skipped: 0 });
});

test('given values win over defaults, and the input is not modified', () => {
  const m = runJob();
  Object.assign(m.spec, { timeZone: 'Asia/Tokyo', suspend: true, concurrencyPolicy: 'Allow' });
  const before = structuredClone(m);
  const { spec } = valid(m);
  assert.equal(spec.timeZone, 'Asia/Tokyo');
  assert.equal(spec.suspend, true);
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.deepEqual(m, before);
});

test('metadata keys the schema does not model are kept', () => {
  const m = runJob();
  m.metadata.ownerReferences = [{ kind: 'X' }];
  assert.deepEqual(valid(m).metadata.ownerReferences, [{ kind: 'X' }]);
});
