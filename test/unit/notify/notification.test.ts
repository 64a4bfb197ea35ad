import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord, RunResult } from '../../../src/api/schema.ts';
import type { RunEvent, RunSubject } from '../../../src/controller/run-events/run-event.ts';
import { buildNotification, notifyEventsOf, tailBytes } from '../../../src/notify/notification.ts';
import { RecoveryTracker } from '../../../src/notify/recovery-tracker.ts';

const subject = (): RunSubject => ({
  key: 'ns/job',
  namespace: 'ns',
  name: 'job',
  uid: 'u1',
  job: undefined,
});

const finished = (
  result: RunRecord['result'],
  previousResult?: RunResult,
): Extract<RunEvent, { type: 'Finished' }> => ({
  type: 'Finished',
  job: subject(),
  atMs: Date.UTC(2026, 0, 1, 0, 0, 5),
  trigger: 'Schedule',
  attempt: 1,
  previousResult,
  record: {
    name: 'job-1767225600',
    scheduledTime: '2026-01-01T00:00:00.000Z',
    startTime: '2026-01-01T00:00:01.000Z',
    finishTime: '2026-01-01T00:00:04.500Z',
    result,
    exitCode: result === 'Succeeded' ? 0 : 2,
    logTail: 'line one\nline two ✓ end',
  },
});

test('run events map to notifier events; a success after failures is also Recovered', () => {
  const rows: Array<{ name: string; event: RunEvent; previouslyFailed: boolean; want: string[] }> = [
    { name: 'failure', event: finished('Failed'), previouslyFailed: false, want: ['Failed'] },
    { name: 'deadline', event: finished('DeadlineExceeded'), previouslyFailed: true, want: ['Failed'] },
    { name: 'success', event: finished('Succeeded'), previouslyFailed: false, want: ['Succeeded'] },
    {
      name: 'recovery',
      event: finished('Succeeded'),
      previouslyFailed: true,
      want: ['Succeeded', 'Recovered'],
    },
    {
      name: 'missed',
      event: { type: 'Missed', job: subject(), atMs: 0, scheduledMs: 0, trigger: 'Schedule' },
      previouslyFailed: false,
      want: ['Missed'],
    },
    {
      name: 'output',
      event: { type: 'OutputAvailable', job: subject(), atMs: 0, run: 'r', containerId: 'c', startMs: 0 },
      previouslyFailed: false,
      want: [],
    },
  ];
  for (const row of rows)
    assert.deepEqual(notifyEventsOf(row.event, row.previouslyFailed), row.want, row.name);
});

test('the recovery tracker is seeded from the status, then follows the runs it hears', () => {
  const t = new RecoveryTracker();
  assert.equal(
    t.finished(finished('Succeeded', 'Failed')),
    true,
    'seeded: the status says the last run failed',
  );
  assert.equal(
    t.finished(finished('Failed', 'Succeeded')),
    false,
    'follows: the previous heard run succeeded',
  );
  assert.equal(t.finished(finished('Succeeded')), true);
});

test('a notification carries the run, duration, times, a bounded output tail and the dashboard link', () => {
  const n = buildNotification(finished('Failed'), 'Failed', {
    outputTailBytes: 10,
    dashboardBaseUrl: 'https://d.test/x/',
  });
  assert.equal(n.run, 'job-1767225600');
  assert.equal(n.exitCode, 2);
  assert.equal(n.durationMs, 3500);
  assert.equal(n.scheduledTime, '2026-01-01T00:00:00.000Z');
  assert.equal(n.dashboardUrl, 'https://d.test/x/jobs/ns/job');
  assert.ok(Buffer.byteLength(n.outputTail ?? '') <= 10);
  assert.ok('line two ✓ end'.endsWith(n.outputTail ?? 'x'));
});

test('tailBytes keeps the end and never splits a character', () => {
  assert.equal(tailBytes('abc', 10), 'abc');
  assert.equal(tailBytes('abc', 0), undefined);
  assert.equal(tailBytes('x✓y', 3), 'y', 'the 3-byte ✓ does not fit with y in 3 bytes');
  assert.equal(tailBytes('x✓y', 4), '✓y');
});

test('a notification carries the end of stdout and of stderr apart, each bounded, when the runner kept them', () => {
  const event = { ...finished('Failed'), output: { stdout: 'line one\nline two\n', stderr: 'boom\n' } };
  const n = buildNotification(event, 'Failed', { outputTailBytes: 9 });
  assert.equal(n.stdoutTail, 'line two\n');
  assert.equal(n.stderrTail, 'boom\n');
  const without = buildNotification(finished('Failed'), 'Failed', { outputTailBytes: 9 });
  assert.equal(without.stdoutTail, undefined);
  assert.equal(without.stderrTail, undefined);
});
