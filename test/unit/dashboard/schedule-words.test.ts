import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSchedule } from '../../../src/dashboard/schedule-words.ts';

const rows: { schedule: string; want: string }[] = [
  // macros and @every
  { schedule: '@daily', want: 'every day at 00:00' },
  { schedule: '@hourly', want: 'every hour' },
  { schedule: '@manual', want: 'only when run by hand' },
  { schedule: '@every 90s', want: 'every 90s' },
  // five fields
  { schedule: '* * * * *', want: 'every minute' },
  { schedule: '*/5 * * * *', want: 'every 5 minutes' },
  { schedule: '15 * * * *', want: 'every hour at minute 15' },
  { schedule: '0 */6 * * *', want: 'every 6 hours at minute 0' },
  { schedule: '30 2 * * *', want: 'at 02:30 every day' },
  { schedule: '0 9 * * 1-5', want: 'at 09:00 on Mon–Fri' },
  { schedule: '0 9,17 * * *', want: 'at 09:00, 17:00 every day' },
  { schedule: '0 6 * * 0,6', want: 'at 06:00 on Sun, Sat' },
  { schedule: '0 4 1 * *', want: 'at 04:00 on day 1 of the month' },
  // six fields (seconds)
  { schedule: '*/10 * * * * *', want: 'every 10 seconds' },
  { schedule: '0 30 2 * * *', want: 'at 02:30 every day' },
  // anything else
  { schedule: 'H H(0-3) * * *', want: 'custom cron' },
  { schedule: '0 0 29 2 *', want: 'custom cron' },
  { schedule: 'nonsense', want: 'custom cron' },
];

for (const r of rows) {
  test(`describeSchedule(${JSON.stringify(r.schedule)})`, () => {
    assert.equal(describeSchedule(r.schedule), r.want);
  });
}
