import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunResult } from '../../../src/api/schema.ts';
import type { FireRequest } from '../../../src/controller/fire-request.ts';
import { JobState } from '../../../src/controller/job-state.ts';
import { nextRetry, PendingRetries, type RetrySpec } from '../../../src/controller/retry-policy.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const retry: RetrySpec = { limit: 3, initialBackoffSeconds: 10, maxBackoffSeconds: 25 };

const cases: {
  result: RunResult;
  attempt: number;
  spec?: RetrySpec;
  want: { attempt: number; delayMs: number } | undefined;
}[] = [
  { result: 'Failed', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'Failed', attempt: 2, spec: retry, want: { attempt: 3, delayMs: 20_000 } },
  { result: 'Failed', attempt: 3, spec: retry, want: { attempt: 4, delayMs: 25_000 } },
  { result: 'Failed', attempt: 4, spec: retry, want: undefined },
  { result: 'DeadlineExceeded', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'ImagePullFailed', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'ContainerNotFound', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'DaemonUnavailable', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'Error', attempt: 1, spec: retry, want: { attempt: 2, delayMs: 10_000 } },
  { result: 'Succeeded', attempt: 1, spec: retry, want: undefined },
  { result: 'Cancelled', attempt: 1, spec: retry, want: undefined },
  { result: 'PolicyDenied', attempt: 1, spec: retry, want: undefined },
  { result: 'Failed', attempt: 1, spec: undefined, want: undefined },
  { result: 'Failed', attempt: 1, spec: { ...retry, limit: 0 }, want: undefined },
];

for (const c of cases) {
  test(`nextRetry: ${c.result} at attempt ${c.attempt}${c.spec ? ` (limit ${c.spec.limit})` : ' (no retry spec)'}`, () => {
    assert.deepEqual(nextRetry(c.result, c.attempt, c.spec), c.want);
  });
}

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);
const failed: FireRequest = { scheduledMs: t0, trigger: 'Schedule', attempt: 1, dueMs: t0 };

function setup() {
  const clock = new FakeClock(t0);
  const retries = new PendingRetries(clock, silentLogger());
  const state = new JobState('default', 'job', 'u1', {});
  const fired: FireRequest[] = [];
  return { clock, retries, state, fired, fire: (req: FireRequest) => fired.push(req) };
}

test('PendingRetries: fires the retry after the delay with the same scheduled time, due then', () => {
  const { clock, retries, state, fired, fire } = setup();
  retries.schedule(state, failed, { attempt: 2, delayMs: 10_000 }, fire);
  assert.equal(state.pendingRetry?.attempt, 2);
  clock.advance(9_999);
  assert.equal(fired.length, 0);
  clock.advance(1);
  assert.deepEqual(fired, [{ scheduledMs: t0, trigger: 'Retry', attempt: 2, dueMs: t0 + 10_000 }]);
  assert.equal(state.pendingRetry, undefined);
  assert.equal(retries.size, 0);
});

test('PendingRetries: a newer retry replaces the pending one of the same job', () => {
  const { clock, retries, state, fired, fire } = setup();
  retries.schedule(state, failed, { attempt: 2, delayMs: 10_000 }, fire);
  retries.schedule(state, { ...failed, scheduledMs: t0 + 60_000 }, { attempt: 2, delayMs: 30_000 }, fire);
  assert.equal(clock.pending, 1, 'one timer per job');
  clock.advance(60_000);
  assert.deepEqual(
    fired.map((f) => f.scheduledMs),
    [t0 + 60_000],
  );
});

test('PendingRetries: clear and clearAll drop pending retries; they never fire', () => {
  const { clock, retries, state, fired, fire } = setup();
  const other = new JobState('default', 'other', 'u2', {});
  retries.schedule(state, failed, { attempt: 2, delayMs: 1_000 }, fire);
  retries.schedule(other, failed, { attempt: 2, delayMs: 1_000 }, fire);
  retries.clear(state);
  assert.equal(state.pendingRetry, undefined);
  assert.equal(retries.size, 1);
  retries.clearAll();
  assert.equal(retries.size, 0);
  assert.equal(clock.pending, 0);
  clock.advance(10_000);
  assert.deepEqual(fired, []);
});
