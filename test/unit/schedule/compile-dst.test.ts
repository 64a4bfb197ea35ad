/**
 * DST behaviour (documented in docs/scheduling.md):
 * - spring-forward: a fixed-time job (one second, minute and hour) whose local time does not exist
 *   runs at the first valid instant after the gap; interval-style jobs skip the missing times;
 * - fall-back: a repeated local wall time runs once, on its first occurrence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/compile.ts';
import { EvaluatorCache } from '../../../src/schedule/evaluators.ts';
import {
  at,
  berlinFallBackEve,
  berlinSpringForwardEve,
  newYorkFallBackEve,
  newYorkSpringForwardEve,
  nextN,
} from './fixtures.ts';

const evaluators = new EvaluatorCache(32);

function mustCompile(expr: string, timeZone: string) {
  const result = compileSchedule(expr, { timeZone, hashKey: 'dst/job', evaluators });
  if (!result.ok) assert.fail(`${expr}: ${result.reason}`);
  return result.schedule;
}

const cases: { name: string; zone: string; expr: string; after: number; want: string[] }[] = [
  // Europe/Berlin spring-forward: 2026-03-29 02:00 CET -> 03:00 CEST
  {
    name: 'Berlin: 02:30 daily runs at 03:00 CEST on the spring-forward day',
    zone: 'Europe/Berlin',
    expr: '30 2 * * *',
    after: berlinSpringForwardEve,
    want: ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
  },
  {
    name: 'Berlin: six-field fixed time in the gap, same rule',
    zone: 'Europe/Berlin',
    expr: '15 30 2 * * *',
    after: berlinSpringForwardEve,
    want: ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:15.000Z'],
  },
  {
    name: 'Berlin: every 30 minutes skips 02:00 and 02:30 that night',
    zone: 'Europe/Berlin',
    expr: '*/30 * * * *',
    after: at('2026-03-29T00:00:00Z'),
    want: ['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z'],
  },
  // Europe/Berlin fall-back: 2026-10-25 03:00 CEST -> 02:00 CET
  {
    name: 'Berlin: 02:30 daily runs once on the fall-back day (CEST occurrence)',
    zone: 'Europe/Berlin',
    expr: '30 2 * * *',
    after: berlinFallBackEve,
    want: ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
  },
  {
    name: 'Berlin: every 30 minutes does not repeat 02:00 and 02:30',
    zone: 'Europe/Berlin',
    expr: '*/30 * * * *',
    after: at('2026-10-25T00:00:00Z'),
    want: ['2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:30:00.000Z'],
  },
  // America/New_York spring-forward: 2026-03-08 02:00 EST -> 03:00 EDT
  {
    name: 'New York: 02:30 daily runs at 03:00 EDT on the spring-forward day',
    zone: 'America/New_York',
    expr: '30 2 * * *',
    after: newYorkSpringForwardEve,
    want: ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
  },
  {
    name: 'New York: every 15 minutes in hour 2 has no runs that day',
    zone: 'America/New_York',
    expr: '*/15 2 * * *',
    after: newYorkSpringForwardEve,
    want: ['2026-03-09T06:00:00.000Z', '2026-03-09T06:15:00.000Z'],
  },
  {
    name: 'New York: hourly goes 01:00 EST -> 03:00 EDT',
    zone: 'America/New_York',
    expr: '0 * * * *',
    after: at('2026-03-08T05:30:00Z'),
    want: ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z'],
  },
  // America/New_York fall-back: 2026-11-01 02:00 EDT -> 01:00 EST
  {
    name: 'New York: 01:30 daily runs once on the fall-back day (EDT occurrence)',
    zone: 'America/New_York',
    expr: '30 1 * * *',
    after: newYorkFallBackEve,
    want: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'New York: hourly does not repeat 01:00',
    zone: 'America/New_York',
    expr: '0 * * * *',
    after: at('2026-11-01T04:30:00Z'),
    want: ['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z'],
  },
  {
    name: 'New York: every 30 minutes in hour 1 runs twice, not four times',
    zone: 'America/New_York',
    expr: '*/30 1 * * *',
    after: newYorkFallBackEve,
    want: ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:00:00.000Z'],
  },
  // A zone with no DST is untouched.
  {
    name: 'Kolkata: no DST, 02:30 every day',
    zone: 'Asia/Kolkata',
    expr: '30 2 * * *',
    after: at('2026-03-27T00:00:00Z'),
    want: ['2026-03-27T21:00:00.000Z', '2026-03-28T21:00:00.000Z'],
  },
];

for (const c of cases) {
  test(`DST: ${c.name}`, () => {
    assert.deepEqual(nextN(mustCompile(c.expr, c.zone), c.after, c.want.length), c.want);
  });
}

// Over a whole year, in two DST zones: due times strictly increase and no local wall time repeats.
const wallClock = (zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' });

for (const zone of ['Europe/Berlin', 'America/New_York']) {
  for (const expr of ['*/20 * * * *', '30 2 * * *', '0 1-3 * * *', 'H H(0-3) * * *', '0 */7 * * * *']) {
    test(`DST: a year of "${expr}" in ${zone} never repeats a wall time or goes backwards`, () => {
      const schedule = mustCompile(expr, zone);
      const format = wallClock(zone);
      const seen = new Set<string>();
      let cursor = at('2026-01-01T00:00:00Z');
      const end = at('2027-01-01T00:00:00Z');
      const limit = expr.split(' ').length === 6 ? at('2026-03-31T00:00:00Z') : end;
      for (;;) {
        const due = schedule.next(cursor);
        assert.ok(due !== undefined);
        assert.ok(due > cursor);
        if (due >= limit) break;
        const wall = format.format(due);
        assert.ok(!seen.has(wall), `${wall} ran twice`);
        seen.add(wall);
        cursor = due;
      }
    });
  }
}
