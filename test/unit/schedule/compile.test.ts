import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/compile.ts';
import { EvaluatorCache } from '../../../src/schedule/evaluators.ts';
import {
  justBeforeTheHour,
  midMorning,
  newYear2026,
  nextN,
  topOfTheHour,
  wednesdayNoon,
} from './fixtures.ts';

const evaluators = new EvaluatorCache(64);
const compile = (expr: string, timeZone = 'UTC', hashKey = 'default/job') =>
  compileSchedule(expr, { timeZone, hashKey, evaluators });

function mustCompile(expr: string, timeZone = 'UTC', hashKey = 'default/job') {
  const result = compile(expr, timeZone, hashKey);
  if (!result.ok) assert.fail(`${expr}: ${result.reason}`);
  return result.schedule;
}

// ---- valid expressions and their next due times ----------------------------------------------

const validCases: {
  name: string;
  expr: string;
  timeZone?: string;
  after: number;
  // want
  kind: 'cron' | 'every' | 'manual';
  normalized: string;
  next: string[];
}[] = [
  // 5-field
  {
    name: 'every 5 minutes',
    expr: '*/5 * * * *',
    after: midMorning,
    kind: 'cron',
    normalized: '*/5 * * * *',
    next: ['2026-03-10T10:20:00.000Z', '2026-03-10T10:25:00.000Z'],
  },
  {
    name: 'strictly after a due time',
    expr: '0 * * * *',
    after: topOfTheHour,
    kind: 'cron',
    normalized: '0 * * * *',
    next: ['2026-03-10T11:00:00.000Z'],
  },
  {
    name: 'just before the hour',
    expr: '0 * * * *',
    after: justBeforeTheHour,
    kind: 'cron',
    normalized: '0 * * * *',
    next: ['2026-03-10T10:00:00.000Z'],
  },
  {
    name: 'weekdays at 9',
    expr: '0 9 * * MON-FRI',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 9 * * MON-FRI',
    next: ['2026-06-18T09:00:00.000Z', '2026-06-19T09:00:00.000Z', '2026-06-22T09:00:00.000Z'],
  },
  {
    name: 'sunday as 7',
    expr: '0 0 * * 7',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * 7',
    next: ['2026-06-21T00:00:00.000Z'],
  },
  {
    name: 'list and range',
    expr: '0,30 8-9 * * *',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0,30 8-9 * * *',
    next: ['2026-06-18T08:00:00.000Z', '2026-06-18T08:30:00.000Z', '2026-06-18T09:00:00.000Z'],
  },
  {
    name: 'robfig-style a/n becomes a-max/n',
    expr: '5/20 * * * *',
    after: topOfTheHour,
    kind: 'cron',
    normalized: '5-59/20 * * * *',
    next: ['2026-03-10T10:05:00.000Z', '2026-03-10T10:25:00.000Z'],
  },
  {
    name: 'month names',
    expr: '0 0 1 jan,jul *',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 1 jan,jul *',
    next: ['2026-07-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  },
  {
    name: 'last day of month (L)',
    expr: '0 0 L * *',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 L * *',
    next: ['2026-06-30T00:00:00.000Z', '2026-07-31T00:00:00.000Z'],
  },
  {
    name: 'second Monday (#)',
    expr: '0 0 * * MON#2',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * MON#2',
    next: ['2026-07-13T00:00:00.000Z'],
  },
  {
    name: 'leap day',
    expr: '0 0 29 2 *',
    after: newYear2026,
    kind: 'cron',
    normalized: '0 0 29 2 *',
    next: ['2028-02-29T00:00:00.000Z'],
  },
  {
    name: 'surrounding whitespace',
    expr: '  0  12 * * *  ',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 12 * * *',
    next: ['2026-06-18T12:00:00.000Z'],
  },
  // seconds
  {
    name: 'six fields: every 10 seconds',
    expr: '*/10 * * * * *',
    after: midMorning,
    kind: 'cron',
    normalized: '*/10 * * * * *',
    next: ['2026-03-10T10:17:50.000Z', '2026-03-10T10:18:00.000Z'],
  },
  {
    name: 'six fields: second 30 of each minute',
    expr: '30 * * * * *',
    after: topOfTheHour,
    kind: 'cron',
    normalized: '30 * * * * *',
    next: ['2026-03-10T10:00:30.000Z', '2026-03-10T10:01:30.000Z'],
  },
  {
    name: 'six fields: every second',
    expr: '* * * * * *',
    after: midMorning,
    kind: 'cron',
    normalized: '* * * * * *',
    next: ['2026-03-10T10:17:43.000Z', '2026-03-10T10:17:44.000Z'],
  },
  // macros
  {
    name: '@yearly',
    expr: '@yearly',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 1 1 *',
    next: ['2027-01-01T00:00:00.000Z'],
  },
  {
    name: '@annually',
    expr: '@annually',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 1 1 *',
    next: ['2027-01-01T00:00:00.000Z'],
  },
  {
    name: '@monthly',
    expr: '@monthly',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 1 * *',
    next: ['2026-07-01T00:00:00.000Z'],
  },
  {
    name: '@weekly',
    expr: '@weekly',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * 0',
    next: ['2026-06-21T00:00:00.000Z'],
  },
  {
    name: '@daily',
    expr: '@daily',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * *',
    next: ['2026-06-18T00:00:00.000Z'],
  },
  {
    name: '@midnight',
    expr: '@midnight',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * *',
    next: ['2026-06-18T00:00:00.000Z'],
  },
  {
    name: '@hourly',
    expr: '@hourly',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 * * * *',
    next: ['2026-06-17T13:00:00.000Z'],
  },
  {
    name: 'macros ignore case',
    expr: '@Daily',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 0 * * *',
    next: ['2026-06-18T00:00:00.000Z'],
  },
  // manual
  {
    name: '@manual never fires',
    expr: '@manual',
    after: wednesdayNoon,
    kind: 'manual',
    normalized: '@manual',
    next: [],
  },
  {
    name: '@manually alias',
    expr: '@manually',
    after: wednesdayNoon,
    kind: 'manual',
    normalized: '@manual',
    next: [],
  },
  // time zones
  {
    name: 'Berlin 09:00 in summer is 07:00Z',
    expr: '0 9 * * *',
    timeZone: 'Europe/Berlin',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 9 * * *',
    next: ['2026-06-18T07:00:00.000Z'],
  },
  {
    name: 'Berlin 09:00 in winter is 08:00Z',
    expr: '0 9 * * *',
    timeZone: 'Europe/Berlin',
    after: newYear2026,
    kind: 'cron',
    normalized: '0 9 * * *',
    next: ['2026-01-01T08:00:00.000Z'],
  },
  {
    name: 'New York 09:00 in summer is 13:00Z',
    expr: '0 9 * * *',
    timeZone: 'America/New_York',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 9 * * *',
    next: ['2026-06-17T13:00:00.000Z'],
  },
  {
    name: 'Kolkata (+05:30) 09:00 is 03:30Z',
    expr: '0 9 * * *',
    timeZone: 'Asia/Kolkata',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 9 * * *',
    next: ['2026-06-18T03:30:00.000Z'],
  },
  {
    name: 'Kolkata hourly lands on :30Z',
    expr: '@hourly',
    timeZone: 'Asia/Kolkata',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 * * * *',
    next: ['2026-06-17T12:30:00.000Z', '2026-06-17T13:30:00.000Z'],
  },
  {
    name: 'Etc/UTC is UTC',
    expr: '0 9 * * *',
    timeZone: 'Etc/UTC',
    after: wednesdayNoon,
    kind: 'cron',
    normalized: '0 9 * * *',
    next: ['2026-06-18T09:00:00.000Z'],
  },
];

for (const c of validCases) {
  test(`compile: ${c.name} (${c.expr})`, () => {
    const schedule = mustCompile(c.expr, c.timeZone ?? 'UTC');
    assert.equal(schedule.kind, c.kind);
    assert.equal(schedule.expression, c.expr);
    assert.equal(schedule.normalized, c.normalized);
    assert.equal(schedule.timeZone, c.timeZone ?? 'UTC');
    assert.deepEqual(nextN(schedule, c.after, c.next.length || 1), c.next);
  });
}

// ---- @every -----------------------------------------------------------------------------------

const everyCases: { name: string; expr: string; periodMs: number; normalized: string }[] = [
  { name: 'seconds', expr: '@every 90s', periodMs: 90_000, normalized: '@every 1m30s' },
  { name: 'hours and minutes', expr: '@every 1h30m', periodMs: 5_400_000, normalized: '@every 1h30m' },
  { name: 'fractional hours', expr: '@every 1.5h', periodMs: 5_400_000, normalized: '@every 1h30m' },
  { name: 'one second exactly', expr: '@every 1s', periodMs: 1000, normalized: '@every 1s' },
  { name: 'milliseconds above 1s', expr: '@every 1500ms', periodMs: 1500, normalized: '@every 1s500ms' },
  { name: 'a day', expr: '@every 24h', periodMs: 86_400_000, normalized: '@every 24h' },
];

for (const c of everyCases) {
  test(`@every: ${c.name} (${c.expr}) fires every period on a stable phase`, () => {
    const schedule = mustCompile(c.expr, 'UTC', 'team-a/report');
    assert.equal(schedule.kind, 'every');
    assert.equal(schedule.normalized, c.normalized);
    const first = schedule.next(midMorning)!;
    assert.ok(first > midMorning && first <= midMorning + c.periodMs);
    assert.equal(schedule.next(first), first + c.periodMs);
    assert.equal(schedule.next(first - 1), first, 'strictly after, not skipping the one just ahead');
    // Phase stability: compiled again (as after a restart) and asked from another instant, the
    // due times fall on the same grid.
    const again = mustCompile(c.expr, 'UTC', 'team-a/report');
    const later = again.next(midMorning + 7 * c.periodMs + 123)!;
    assert.equal((later - first) % c.periodMs, 0);
  });
}

test('@every: the phase differs across jobs, so many @every 1m jobs do not share one second', () => {
  const seconds = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const due = mustCompile('@every 1m', 'UTC', `ns/job-${i}`).next(topOfTheHour)!;
    seconds.add(((due - topOfTheHour) / 1000) % 60);
  }
  assert.ok(seconds.size >= 40, `only ${seconds.size} distinct seconds for 200 jobs`);
});

test('@every: an empty hash key anchors at the epoch', () => {
  assert.equal(mustCompile('@every 1h', 'UTC', '').next(midMorning), Date.parse('2026-03-10T11:00:00Z'));
});

test('@every: the time zone does not move it', () => {
  const utc = mustCompile('@every 7m', 'UTC', 'ns/x').next(midMorning);
  const kolkata = mustCompile('@every 7m', 'Asia/Kolkata', 'ns/x').next(midMorning);
  assert.equal(utc, kolkata);
});

// ---- rejected expressions ---------------------------------------------------------------------

const badCases: { expr: string; timeZone?: string; field?: 'schedule' | 'timeZone'; reason: RegExp }[] = [
  { expr: '', reason: /schedule is empty/ },
  { expr: '   ', reason: /schedule is empty/ },
  {
    expr: 'TZ=Europe/Berlin 0 9 * * *',
    reason: /TZ= and CRON_TZ= prefixes are not supported; set spec.timeZone/,
  },
  { expr: 'CRON_TZ=UTC 0 9 * * *', reason: /TZ= and CRON_TZ= prefixes are not supported/ },
  { expr: 'tz=UTC * * * * *', reason: /TZ= and CRON_TZ= prefixes/ },
  { expr: '* * * *', reason: /expected 5 fields .* got 4/ },
  { expr: '0 0 0 * * * *', reason: /expected 5 fields .* got 7/ },
  { expr: '*', reason: /got 1/ },
  { expr: '60 * * * *', reason: /^minute 60 is out of range 0-59$/ },
  { expr: '* 24 * * *', reason: /^hour 24 is out of range 0-23$/ },
  { expr: '* * 0 * *', reason: /^day-of-month 0 is out of range 1-31$/ },
  { expr: '* * 32 * *', reason: /^day-of-month 32 is out of range 1-31$/ },
  { expr: '* * * 0 *', reason: /^month 0 is out of range 1-12$/ },
  { expr: '* * * 13 *', reason: /^month 13 is out of range 1-12$/ },
  { expr: '* * * * 8', reason: /^day-of-week 8 is out of range 0-7$/ },
  { expr: '60 * * * * *', reason: /^second 60 is out of range 0-59$/ },
  { expr: '*/0 * * * *', reason: /minute step must be at least 1/ },
  { expr: '*/61 * * * *', reason: /minute step 61 is larger than the field/ },
  { expr: '30-10 * * * *', reason: /minute range "30-10" starts after it ends/ },
  { expr: 'abc * * * *', reason: /minute "abc" is not a number/ },
  { expr: '* * * foo *', reason: /month "foo" is not a number or a name/ },
  { expr: '* * * * funday', reason: /day-of-week "funday" is not a number or a name/ },
  { expr: '1,,2 * * * *', reason: /minute has an empty list item/ },
  { expr: '5, * * * *', reason: /minute has an empty list item/ },
  { expr: '*/x * * * *', reason: /minute step "x" is not a whole number/ },
  { expr: '1-2-3 * * * *', reason: /minute "1-2-3" is not a valid value, range or step/ },
  { expr: '? * * * *', reason: /\? is only allowed in day-of-month and day-of-week/ },
  { expr: '* * * * MON#6', reason: /# takes a week number 1-5/ },
  { expr: '0 0 30 2 *', reason: /never fires/ },
  { expr: '0 0 31 4,6,9,11 *', reason: /never fires/ },
  { expr: '0 0 31 2 *', reason: /never fires/ },
  { expr: 'Hx * * * *', reason: /minute "Hx" is not a valid H form/ },
  { expr: 'H(0-29 * * * *', reason: /not a valid H form/ },
  { expr: 'H(50-10) * * * *', reason: /minute range in "H\(50-10\)" starts after it ends/ },
  { expr: 'H(0-60) * * * *', reason: /minute range in "H\(0-60\)" must be within 0-59/ },
  { expr: 'H/0 * * * *', reason: /minute step in "H\/0" must be at least 1/ },
  { expr: 'H(0-9)/20 * * * *', reason: /minute step in "H\(0-9\)\/20" must be at most 10/ },
  { expr: '@often', reason: /unknown macro @often; use @yearly/ },
  { expr: '@reboot', reason: /unknown macro @reboot/ },
  { expr: '@daily 5', reason: /@daily takes no arguments/ },
  { expr: '@manual now', reason: /@manual takes no arguments/ },
  { expr: '@every', reason: /@every needs a duration/ },
  { expr: '@every 10x', reason: /"10x" is not a duration/ },
  { expr: '@every -5s', reason: /"-5s" is not a duration/ },
  { expr: '@every 5', reason: /"5" is not a duration/ },
  { expr: '@every 1h 30m', reason: /@every takes one duration without spaces/ },
  { expr: '@every 500ms', reason: /@every must be at least 1s \(got 500ms\)/ },
  { expr: '@every 0s', reason: /@every must be at least 1s/ },
  {
    expr: '0 9 * * *',
    timeZone: 'Mars/Olympus_Mons',
    field: 'timeZone',
    reason: /unknown time zone "Mars\/Olympus_Mons"/,
  },
  { expr: '0 9 * * *', timeZone: '', field: 'timeZone', reason: /unknown time zone ""/ },
  { expr: '0 9 * * *', timeZone: ' UTC', field: 'timeZone', reason: /unknown time zone/ },
];

for (const c of badCases) {
  test(`rejects ${JSON.stringify(c.expr)}${c.timeZone !== undefined ? ` in ${JSON.stringify(c.timeZone)}` : ''}`, () => {
    const result = compile(c.expr, c.timeZone ?? 'UTC');
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.field, c.field ?? 'schedule');
    assert.match(result.reason, c.reason);
    // Reasons become `spec.schedule: <reason>`: one short line, no croner class names.
    assert.ok(!result.reason.includes('\n') && result.reason.length < 160, result.reason);
    assert.ok(!/CronPattern|TypeError/.test(result.reason), result.reason);
  });
}

test('a bad time zone is reported on timeZone even when the schedule is fine', () => {
  const result = compile('@hourly', 'Nowhere/City');
  assert.deepEqual(result.ok ? undefined : result.field, 'timeZone');
});
