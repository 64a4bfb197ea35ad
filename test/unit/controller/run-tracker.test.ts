import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunIdentity } from '../../../src/api/run-identity.ts';
import type { RunRecord } from '../../../src/api/schema.ts';
import { JobState } from '../../../src/controller/job-state.ts';
import { RunTracker } from '../../../src/controller/run-tracker.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { settle } from '../../helpers/wait.ts';

const tenOClock = Date.UTC(2026, 2, 10, 10, 0, 0);

function setup() {
  const clock = new FakeClock(tenOClock);
  const tracker = new RunTracker(clock, silentLogger(), undefined);
  const state = new JobState('default', 'job', 'u1', {});
  const identity = (minute: number): RunIdentity => ({
    namespace: 'default',
    jobName: 'job',
    jobUid: 'u1',
    scheduledTime: tenOClock + minute * 60_000,
    attempt: 1,
  });
  return { clock, tracker, state, identity };
}

/** A runner call the test ends by hand; it settles with a record of `result`, or aborts to Cancelled. */
function pendingRun(signal: AbortSignal) {
  let end: (result: RunRecord['result']) => void = () => {};
  const done = new Promise<RunRecord>((resolve) => {
    end = (result) =>
      resolve({ name: 'r', trigger: 'Schedule', attempt: 1, scheduledTime: '', finishTime: '', result });
    signal.addEventListener('abort', () => end('Cancelled'), { once: true });
  });
  return { done, end: (result: RunRecord['result']) => end(result) };
}

test('RunTracker: a run is tracked per job and overall until its record arrives, then onEnd hears it', async () => {
  const { tracker, state, identity } = setup();
  const run = tracker.track(state, identity(0), 'Schedule', 'local');
  assert.equal(state.active.size, 1);
  assert.equal(tracker.size, 1);
  const call = pendingRun(run.abort.signal);
  const ended: RunRecord[] = [];
  tracker.launch(
    state,
    run,
    { identity: identity(0), trigger: 'Schedule', spec: {} as never },
    call.done,
    (r) => ended.push(r),
  );
  call.end('Succeeded');
  await settle();
  assert.equal(state.active.size, 0, 'untracked before onEnd');
  assert.equal(tracker.size, 0);
  assert.deepEqual(
    ended.map((r) => r.result),
    ['Succeeded'],
  );
});

test('RunTracker: a runner that rejects still ends the run with an Error record (reason RunnerError)', async () => {
  const { clock, tracker, state, identity } = setup();
  const run = tracker.track(state, identity(1), 'Manual', 'local');
  const ended: RunRecord[] = [];
  clock.advance(5_000);
  tracker.launch(
    state,
    run,
    { identity: identity(1), trigger: 'Manual', spec: {} as never },
    Promise.reject(new Error('socket hang up')),
    (r) => ended.push(r),
  );
  const record = await run.done;
  assert.equal(record.result, 'Error');
  assert.equal(record.reason, 'RunnerError');
  assert.equal(record.message, 'socket hang up');
  assert.equal(record.name, run.name);
  assert.equal(record.trigger, 'Manual');
  assert.equal(record.finishTime, new Date(tenOClock + 5_000).toISOString());
  assert.equal(ended.length, 1);
});

test('RunTracker: endAll waits for runs within the grace period, then cancels the rest', async () => {
  const { clock, tracker, state, identity } = setup();
  const quick = tracker.track(state, identity(0), 'Schedule', 'local');
  const slow = tracker.track(state, identity(1), 'Schedule', 'local');
  const quickCall = pendingRun(quick.abort.signal);
  const slowCall = pendingRun(slow.abort.signal);
  const req = (m: number) => ({ identity: identity(m), trigger: 'Schedule' as const, spec: {} as never });
  const results: string[] = [];
  tracker.launch(state, quick, req(0), quickCall.done, (r) => results.push(`quick:${r.result}`));
  tracker.launch(state, slow, req(1), slowCall.done, (r) => results.push(`slow:${r.result}`));
  let ended = false;
  const ending = tracker.endAll(10_000, 'shutting down').then(() => {
    ended = true;
  });
  quickCall.end('Succeeded');
  await settle();
  assert.equal(ended, false, 'the slow run is still within its grace period');
  clock.advance(10_000);
  await ending;
  assert.deepEqual(results, ['quick:Succeeded', 'slow:Cancelled']);
  assert.equal(tracker.size, 0);
});
