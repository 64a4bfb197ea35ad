import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeJob, UPCOMING_MAX } from '../../../src/dashboard/job-summary.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function job(spec: Record<string, unknown>, status: Record<string, unknown> = {}) {
  return {
    metadata: { namespace: 'ns', name: 'j', labels: { app: 'x' }, managedFields: [{ big: true }] },
    spec: { run: { image: 'busybox', env: [{ name: 'SECRET', value: 'v' }] }, ...spec },
    status,
  };
}

test('the summary carries what the table and timeline show, not the spec or the log tails', () => {
  const s = summarizeJob(
    job(
      { schedule: '*/30 * * * *', timeZone: 'Europe/Berlin' },
      {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Scheduled' }],
        nextScheduleTime: '2026-01-01T12:30:00Z',
        lastResult: 'Failed',
        recentRuns: [
          {
            name: 'j-1',
            result: 'Failed',
            exitCode: 3,
            scheduledTime: 'a',
            logTail: 'x'.repeat(10000),
            node: 'n1',
          },
        ],
      },
    ),
    NOW,
  );
  assert.deepEqual(s.recentRuns, [
    { name: 'j-1', result: 'Failed', exitCode: 3, scheduledTime: 'a', node: 'n1' },
  ]);
  assert.equal(s.state, 'Scheduled');
  assert.equal(s.scheduleText, 'every 30 minutes');
  assert.equal(s.timeZone, 'Europe/Berlin');
  assert.deepEqual(s.labels, { app: 'x' });
  assert.equal(JSON.stringify(s).includes('SECRET'), false, 'no spec details');
  // Next ticks: 12:30, 13:00, ... within 12 hours.
  assert.equal(s.upcoming[0], Date.UTC(2026, 0, 1, 12, 30) / 1000);
  assert.equal(s.upcoming.length, UPCOMING_MAX);
});

test('state: Suspended and Running win over the Ready reason; suspended jobs have no ticks', () => {
  const suspended = summarizeJob(job({ schedule: '* * * * *', suspend: true }), NOW);
  assert.equal(suspended.state, 'Suspended');
  assert.deepEqual(suspended.upcoming, []);
  const running = summarizeJob(
    job({ schedule: '0 0 * * *' }, { active: [{ name: 'j-2', scheduledTime: 't' }] }),
    NOW,
  );
  assert.equal(running.state, 'Running');
  assert.deepEqual(running.upcoming, [Date.UTC(2026, 0, 2) / 1000], 'one tick within 12 hours');
  const invalid = summarizeJob(job({ schedule: 'not cron' }), NOW);
  assert.deepEqual(invalid.upcoming, []);
  assert.equal(invalid.state, 'Pending');
});
