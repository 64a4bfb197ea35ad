import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../../src/api/schema.ts';
import {
  DaemonUnavailableError,
  DockerApiError,
  DockerTimeoutError,
  DockerTransportError,
} from '../../../src/docker/errors.ts';
import { classify, toRecord } from '../../../src/runner/job-runner.ts';
import { RunFailure } from '../../../src/runner/run-failure.ts';

const cases: { name: string; error: unknown; result: string; reason: string }[] = [
  {
    name: 'run failure keeps its result',
    error: new RunFailure('PolicyDenied', 'PrivilegedNotAllowed', 'spec.run.privileged: no'),
    result: 'PolicyDenied',
    reason: 'PrivilegedNotAllowed',
  },
  {
    name: 'breaker open',
    error: new DaemonUnavailableError('local', 'open'),
    result: 'DaemonUnavailable',
    reason: 'DaemonUnavailable',
  },
  {
    name: 'timeout',
    error: new DockerTimeoutError('local', 'container.create', 'headers', 10),
    result: 'DaemonUnavailable',
    reason: 'DockerTimeout',
  },
  {
    name: 'transport',
    error: new DockerTransportError('local', 'ping', 'ENOENT', 'no socket'),
    result: 'DaemonUnavailable',
    reason: 'DockerTransport',
  },
  {
    name: 'abort',
    error: Object.assign(new Error('x'), { name: 'AbortError' }),
    result: 'Cancelled',
    reason: 'Cancelled',
  },
  {
    name: 'other API error',
    error: new DockerApiError('local', 'container.create', 400, 'invalid mount'),
    result: 'Error',
    reason: 'BadRequest',
  },
  { name: 'bug', error: new TypeError('x is undefined'), result: 'Error', reason: 'InternalError' },
];
for (const c of cases) {
  test(`classify: ${c.name}`, () => {
    const o = classify(c.error);
    assert.equal(o.result, c.result);
    assert.equal(o.reason, c.reason);
    assert.ok(o.message);
  });
}

test('toRecord: a valid RunRecord with RFC 3339 times, only fields that are known', () => {
  const req = {
    identity: { namespace: 'ns', jobName: 'j', jobUid: 'u', scheduledTime: Date.UTC(2026, 0, 1), attempt: 2 },
    trigger: 'Retry' as const,
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', run: { image: 'x' } }),
  };
  const r = toRecord(
    req,
    { result: 'Failed', reason: 'NonZeroExitCode', exitCode: 3, startTime: Date.UTC(2026, 0, 1, 0, 0, 1) },
    Date.UTC(2026, 0, 1, 0, 0, 2),
  );
  assert.deepEqual(r, {
    name: 'j-1767225600-2',
    trigger: 'Retry',
    attempt: 2,
    scheduledTime: '2026-01-01T00:00:00.000Z',
    startTime: '2026-01-01T00:00:01.000Z',
    finishTime: '2026-01-01T00:00:02.000Z',
    result: 'Failed',
    reason: 'NonZeroExitCode',
    exitCode: 3,
  });
});
