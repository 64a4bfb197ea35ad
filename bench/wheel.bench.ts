/**
 * Memory and arming time of 100,000 armed schedules: this scheduler (compiled schedules sharing
 * evaluators, one timer wheel, one real timer) against one croner `Cron` job per schedule, the
 * way Ofelia-style daemons hold them. Same machine, same run; the table prints ratios, never
 * absolute-time assertions.
 *
 *   node --expose-gc --import tsx bench/wheel.bench.ts        (or: npm run bench -- wheel)
 *
 * "Scheduler memory" is the heap growth, after a full GC, from arming: the compiled schedule, its
 * wheel entry, a table record (Map entry + { schedule, timer }) and the share of the evaluator
 * cache. The job specs (expression and key strings) exist before arming and are not counted.
 * croner holds ~83 KB per Cron, so 100,000 of them do not fit in a default heap: the baseline
 * arms BASELINE_COUNT of them and extrapolates per schedule (stated in the table).
 */
import { Cron } from 'croner';
import { compileSchedule } from '../src/schedule/compile.ts';
import { EvaluatorCache } from '../src/schedule/evaluators.ts';
import type { Clock, TimerHandle } from '../src/util/clock.ts';
import { WheelDriver } from '../src/wheel/wheel-driver.ts';

const COUNT = 100_000;
const BASELINE_COUNT = Number(process.env.BASELINE_COUNT ?? 5_000);
const NOW = Date.UTC(2026, 2, 10, 10, 0, 0);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with --expose-gc (npm run bench does)');
  process.exit(1);
}
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

/** A clock that never fires: arming is measured, not firing (bench/firing.bench.ts does that). */
const inertClock: Clock = {
  now: () => NOW,
  setTimeout: () => ({}) as TimerHandle,
  clearTimeout: () => {},
};

interface JobSpec {
  key: string;
  schedule: string;
  timeZone: string;
}

const COMMON = [
  '*/5 * * * *',
  '0 * * * *',
  '@hourly',
  '0 9 * * MON-FRI',
  '*/15 * * * *',
  '@daily',
  '0 0 * * 0',
  '30 2 * * *',
];
const HASHED = ['H * * * *', 'H/15 * * * *', 'H H * * *', 'H(0-29) H(0-5) * * *'];
const EVERY = ['@every 1m', '@every 90s', '@every 5m', '@every 1h', '@every 30s'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York'];

/** 40% common crons, 30% hashed H, 30% @every. */
function mixedJobs(count: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `team-${i % 97}/job-${i}`;
    const bucket = i % 10;
    if (bucket < 4) return { key, schedule: COMMON[i % COMMON.length]!, timeZone: ZONES[i % ZONES.length]! };
    if (bucket < 7) return { key, schedule: HASHED[i % HASHED.length]!, timeZone: ZONES[i % 2]! };
    return { key, schedule: EVERY[i % EVERY.length]!, timeZone: 'UTC' };
  });
}

/** Every job hashed: H H * * * (1,440 patterns) and H H H * * * six-field (up to 86,400 x ...). */
function hashedJobs(count: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `team-${i % 97}/job-${i}`,
    schedule: i % 2 === 0 ? 'H H * * *' : 'H H H * * *',
    timeZone: 'Europe/Berlin',
  }));
}

interface Row {
  scenario: string;
  count: number;
  bytesPerSchedule: number;
  armMs: number;
  distinct: string;
  note: string;
}

function armOurs(scenario: string, jobs: JobSpec[], note: string): Row {
  const evaluators = new EvaluatorCache();
  const before = heapAfterGc();
  const started = performance.now();
  const driver = new WheelDriver<string>(inertClock, () => {});
  const table = new Map<string, { schedule: ReturnType<typeof compile>; timer: unknown }>();
  function compile(job: JobSpec) {
    const result = compileSchedule(job.schedule, { timeZone: job.timeZone, hashKey: job.key, evaluators });
    if (!result.ok) throw new Error(`${job.schedule}: ${result.reason}`);
    return result.schedule;
  }
  for (const job of jobs) {
    const schedule = compile(job);
    const due = schedule.next(NOW)!;
    table.set(job.key, { schedule, timer: driver.schedule(due, job.key) });
  }
  const armMs = performance.now() - started;
  const after = heapAfterGc();
  const stats = evaluators.stats();
  const row: Row = {
    scenario,
    count: jobs.length,
    bytesPerSchedule: (after - before) / jobs.length,
    armMs,
    distinct: `${stats.size} cached / ${stats.misses} built`,
    note,
  };
  if (table.size !== jobs.length || driver.size !== jobs.length) throw new Error('lost schedules');
  return row;
}

function armCroner(scenario: string, jobs: JobSpec[]): Row {
  // croner has no H: give it the patterns our compiler produced, so it does the same work.
  const evaluators = new EvaluatorCache();
  const patterns = jobs.map((job) => {
    const result = compileSchedule(job.schedule, { timeZone: job.timeZone, hashKey: job.key, evaluators });
    if (!result.ok) throw new Error(result.reason);
    return result.schedule;
  });
  const before = heapAfterGc();
  const started = performance.now();
  const crons: Cron[] = [];
  for (const [i, schedule] of patterns.entries()) {
    const job = jobs[i]!;
    const every =
      schedule.kind === 'every' ? (schedule as unknown as { periodMs: number }).periodMs / 1000 : 0;
    const cron = every
      ? new Cron('* * * * * *', { interval: every, unref: true }, () => {})
      : new Cron(schedule.normalized, { timezone: job.timeZone, unref: true }, () => {});
    crons.push(cron);
  }
  const armMs = performance.now() - started;
  const after = heapAfterGc();
  for (const cron of crons) cron.stop();
  return {
    scenario,
    count: jobs.length,
    bytesPerSchedule: (after - before) / jobs.length,
    armMs: (armMs / jobs.length) * COUNT,
    distinct: `${jobs.length} Cron objects`,
    note: `measured ${jobs.length.toLocaleString('en')}, time extrapolated to ${COUNT.toLocaleString('en')}`,
  };
}

const fmtBytes = (b: number) => (b >= 10_000 ? `${(b / 1024).toFixed(1)} KB` : `${Math.round(b)} B`);

const mixed = mixedJobs(COUNT);
const hashed = hashedJobs(COUNT);
const rows: Row[] = [];
rows.push(armCroner('baseline: one croner Cron job per schedule (mixed)', mixed.slice(0, BASELINE_COUNT)));
rows.push(armOurs('wheel + shared evaluators (mixed: 40% cron, 30% H, 30% @every)', mixed, ''));
rows.push(
  armOurs(
    'wheel + shared evaluators (all hashed: H H * * * / H H H * * *)',
    hashed,
    'worst case: most patterns distinct',
  ),
);

const baseline = rows[0]!;
console.log(
  '| scenario | schedules | scheduler heap / schedule | vs baseline | time to arm 100k | vs baseline | evaluators | note |',
);
console.log('|---|---:|---:|---:|---:|---:|---|---|');
for (const row of rows) {
  const memoryRatio =
    row === baseline ? '1x' : `${(baseline.bytesPerSchedule / row.bytesPerSchedule).toFixed(0)}x less`;
  const timeRatio = row === baseline ? '1x' : `${(baseline.armMs / row.armMs).toFixed(1)}x faster`;
  console.log(
    `| ${row.scenario} | ${row.count.toLocaleString('en')} | ${fmtBytes(row.bytesPerSchedule)} | ${memoryRatio} | ${row.armMs.toFixed(0)} ms | ${timeRatio} | ${row.distinct} | ${row.note} |`,
  );
}
const target = 512;
const worst = Math.max(...rows.slice(1).map((r) => r.bytesPerSchedule));
console.log(
  `\nTarget: under ${target} B per armed schedule. Worst measured here: ${fmtBytes(worst)} (${worst < target ? 'met' : 'NOT met'}).`,
);
console.log(
  `Baseline at ${COUNT.toLocaleString('en')}: ~${((baseline.bytesPerSchedule * COUNT) / 1024 ** 3).toFixed(1)} GB of heap (extrapolated; it does not fit a default heap).`,
);
