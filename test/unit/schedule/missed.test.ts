import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/compile.ts';
import { EvaluatorCache } from '../../../src/schedule/evaluators.ts';
import {
  isWithinStartingDeadline,
  MAX_MISSED_COUNTED,
  mostRecentScheduleTime,
} from '../../../src/schedule/missed.ts';
import { at, iso, justBeforeTheHour, topOfTheHour } from './fixtures.ts';

const evaluators = new EvaluatorCache(16);
function schedule(expr: string) {
  const result = compileSchedule(expr, { timeZone: 'UTC', hashKey: 'missed/job', evaluators });
  if (!result.ok) assert.fail(result.reason);
  return result.schedule;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const weekAfterTheHour = topOfTheHour + 7 * 24 * HOUR + 1;

const cases: {
  name: string;
  expr: string;
  earliestMs: number;
  nowMs: number;
  startingDeadlineSeconds?: number;
  // want
  mostRecent?: string;
  missed: number;
  tooMany: boolean;
}[] = [
  {
    name: 'nothing due yet',
    expr: '0 * * * *',
    earliestMs: justBeforeTheHour - MINUTE,
    nowMs: justBeforeTheHour,
    missed: 0,
    tooMany: false,
  },
  {
    name: 'exactly one due, at now',
    expr: '0 * * * *',
    earliestMs: justBeforeTheHour,
    nowMs: topOfTheHour,
    mostRecent: '2026-03-10T10:00:00.000Z',
    missed: 1,
    tooMany: false,
  },
  {
    name: 'the earliest time itself is not missed',
    expr: '0 * * * *',
    earliestMs: topOfTheHour,
    nowMs: topOfTheHour + 30 * MINUTE,
    missed: 0,
    tooMany: false,
  },
  {
    name: 'three hours down',
    expr: '0 * * * *',
    earliestMs: topOfTheHour,
    nowMs: topOfTheHour + 3 * HOUR + 5,
    mostRecent: '2026-03-10T13:00:00.000Z',
    missed: 3,
    tooMany: false,
  },
  {
    name: 'exactly 100 is not too many',
    expr: '* * * * *',
    earliestMs: topOfTheHour,
    nowMs: topOfTheHour + 100 * MINUTE,
    mostRecent: '2026-03-10T11:40:00.000Z',
    missed: 100,
    tooMany: false,
  },
  {
    name: '101 is too many',
    expr: '* * * * *',
    earliestMs: topOfTheHour,
    nowMs: topOfTheHour + 101 * MINUTE,
    mostRecent: '2026-03-10T11:41:00.000Z',
    missed: 101,
    tooMany: true,
  },
  {
    name: 'a week of minutes: too many, latest still exact',
    expr: '* * * * *',
    earliestMs: topOfTheHour,
    nowMs: weekAfterTheHour,
    mostRecent: '2026-03-17T10:00:00.000Z',
    missed: 101,
    tooMany: true,
  },
  {
    name: 'a year of seconds: latest found by bisection',
    expr: '*/7 * * * * *',
    earliestMs: topOfTheHour,
    nowMs: at('2027-03-10T10:00:00Z'),
    mostRecent: '2027-03-10T10:00:00.000Z',
    missed: 101,
    tooMany: true,
  },
  {
    name: 'irregular pattern, too many',
    expr: '0 9,17 * * MON-FRI',
    earliestMs: at('2026-01-01T00:00:00Z'),
    nowMs: at('2026-06-17T12:00:00Z'),
    mostRecent: '2026-06-17T09:00:00.000Z',
    missed: 101,
    tooMany: true,
  },
  {
    name: 'deadline bounds the count (no TooMany after a long outage)',
    expr: '* * * * *',
    earliestMs: topOfTheHour,
    nowMs: weekAfterTheHour,
    startingDeadlineSeconds: 300,
    mostRecent: '2026-03-17T10:00:00.000Z',
    missed: 5,
    tooMany: false,
  },
  {
    name: 'deadline: a time exactly at the deadline still counts',
    expr: '0 * * * *',
    earliestMs: topOfTheHour - HOUR,
    nowMs: topOfTheHour + 60_000,
    startingDeadlineSeconds: 60,
    mostRecent: '2026-03-10T10:00:00.000Z',
    missed: 1,
    tooMany: false,
  },
  {
    name: 'deadline: past it, nothing to run',
    expr: '0 * * * *',
    earliestMs: topOfTheHour - HOUR,
    nowMs: topOfTheHour + 60_001,
    startingDeadlineSeconds: 60,
    missed: 0,
    tooMany: false,
  },
  {
    name: '@manual never misses',
    expr: '@manual',
    earliestMs: topOfTheHour,
    nowMs: weekAfterTheHour,
    missed: 0,
    tooMany: false,
  },
  {
    name: '@every 90s over 10 minutes (6 or 7 by phase; this key: 7)',
    expr: '@every 90s',
    earliestMs: topOfTheHour,
    nowMs: topOfTheHour + 10 * MINUTE,
    missed: 7,
    tooMany: false,
  },
];

for (const c of cases) {
  test(`missed: ${c.name}`, () => {
    const s = schedule(c.expr);
    const got = mostRecentScheduleTime(s, {
      earliestMs: c.earliestMs,
      nowMs: c.nowMs,
      ...(c.startingDeadlineSeconds !== undefined
        ? { startingDeadlineSeconds: c.startingDeadlineSeconds }
        : {}),
    });
    assert.equal(got.missed, c.missed);
    assert.equal(got.tooMany, c.tooMany);
    if (c.mostRecent !== undefined || c.expr !== '@every 90s')
      assert.equal(iso(got.mostRecent), c.mostRecent);
    if (got.mostRecent !== undefined) {
      assert.ok(got.mostRecent <= c.nowMs);
      const following = s.next(got.mostRecent);
      assert.ok(following === undefined || following > c.nowMs, 'it is the latest');
    }
  });
}

test('missed: counting stops just past the cap', () => {
  assert.equal(MAX_MISSED_COUNTED, 100);
});

const deadlineCases: { name: string; scheduled: number; now: number; deadline?: number; want: boolean }[] = [
  { name: 'no deadline: always', scheduled: topOfTheHour, now: weekAfterTheHour, want: true },
  { name: 'on time', scheduled: topOfTheHour, now: topOfTheHour, deadline: 0, want: true },
  {
    name: 'inside the deadline',
    scheduled: topOfTheHour,
    now: topOfTheHour + 59_999,
    deadline: 60,
    want: true,
  },
  {
    name: 'exactly at the deadline',
    scheduled: topOfTheHour,
    now: topOfTheHour + 60_000,
    deadline: 60,
    want: true,
  },
  {
    name: 'one ms past the deadline',
    scheduled: topOfTheHour,
    now: topOfTheHour + 60_001,
    deadline: 60,
    want: false,
  },
  {
    name: 'zero deadline, 1 ms late',
    scheduled: topOfTheHour,
    now: topOfTheHour + 1,
    deadline: 0,
    want: false,
  },
];

for (const c of deadlineCases) {
  test(`starting deadline: ${c.name}`, () => {
    assert.equal(isWithinStartingDeadline(c.scheduled, c.now, c.deadline), c.want);
  });
}
