import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cron } from 'croner';
import { compileSchedule } from '../../../src/schedule/compile.ts';
import { EvaluatorCache, evaluatorYearTablesTrimmed } from '../../../src/schedule/evaluators.ts';
import { midMorning } from './fixtures.ts';

test('evaluators: jobs with the same pattern and zone share one evaluator', () => {
  const cache = new EvaluatorCache(8);
  for (let i = 0; i < 1000; i++) {
    const r = compileSchedule('*/5 * * * *', {
      timeZone: 'Europe/Berlin',
      hashKey: `ns/j${i}`,
      evaluators: cache,
    });
    assert.ok(r.ok);
    r.schedule.next(midMorning + i);
  }
  assert.equal(cache.stats().size, 1);
  assert.equal(cache.stats().misses, 1);
});

test('evaluators: the same pattern in another zone is another evaluator', () => {
  const cache = new EvaluatorCache(8);
  for (const timeZone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'UTC']) {
    assert.ok(compileSchedule('0 9 * * *', { timeZone, hashKey: 'x', evaluators: cache }).ok);
  }
  assert.equal(cache.stats().size, 3);
});

test('evaluators: the cache is bounded and evicted patterns still answer correctly', () => {
  const cache = new EvaluatorCache(4);
  const schedules = Array.from({ length: 20 }, (_, minute) => {
    const r = compileSchedule(`${minute} * * * *`, { timeZone: 'UTC', hashKey: 'x', evaluators: cache });
    assert.ok(r.ok);
    return r.schedule;
  });
  assert.equal(cache.stats().size, 4);
  assert.ok(cache.stats().evictions >= 16);
  schedules.forEach((s, minute) => {
    assert.equal(
      new Date(s.next(midMorning)!).toISOString(),
      `2026-03-10T${minute > 17 ? '10' : '11'}:${String(minute).padStart(2, '0')}:00.000Z`,
    );
  });
  assert.equal(cache.stats().size, 4);
});

test('evaluators: least recently used is evicted first', () => {
  const cache = new EvaluatorCache(2);
  cache.get('1 * * * *', 'UTC');
  cache.get('2 * * * *', 'UTC');
  cache.get('1 * * * *', 'UTC'); // touch: now 2 is the oldest
  cache.get('3 * * * *', 'UTC');
  const before = cache.stats().misses;
  cache.get('1 * * * *', 'UTC');
  assert.equal(cache.stats().misses, before, '1 was kept');
  cache.get('2 * * * *', 'UTC');
  assert.equal(cache.stats().misses, before + 1, '2 was evicted');
});

test('evaluators: the memo answers any instant before the remembered due time', () => {
  const cache = new EvaluatorCache(2);
  const evaluator = cache.get('0 * * * *', 'UTC');
  const due = evaluator.next(midMorning)!;
  for (let t = midMorning; t < due; t += 60_001) assert.equal(evaluator.next(t), due);
  assert.equal(evaluator.next(due), due + 3_600_000, 'at the due time, the next one');
  assert.equal(evaluator.next(midMorning - 3_600_000), due - 3_600_000, 'earlier instants are recomputed');
});

test('evaluators: a compiled schedule holds no croner object', () => {
  const r = compileSchedule('H * * * *', {
    timeZone: 'UTC',
    hashKey: 'ns/small',
    evaluators: new EvaluatorCache(2),
  });
  assert.ok(r.ok);
  const own = Object.values(r.schedule).filter(
    (v) => typeof v === 'object' && !(v instanceof EvaluatorCache),
  );
  assert.deepEqual(own, []);
});

test('evaluators: croner year tables are trimmed (unless the self-check found a croner that reads them)', () => {
  assert.equal(evaluatorYearTablesTrimmed, true);
});

const trimmedCases: { pattern: string; zone: string }[] = [
  { pattern: '0 0 29 2 *', zone: 'UTC' },
  { pattern: '*/13 */5 * * *', zone: 'Asia/Kolkata' },
  { pattern: '30 2 * * SUN', zone: 'Europe/Berlin' },
  { pattern: '0 0 LW * *', zone: 'America/New_York' },
];
for (const c of trimmedCases) {
  test(`evaluators: trimmed evaluator agrees with plain croner for "${c.pattern}" in ${c.zone}`, () => {
    const plain = new Cron(c.pattern, { paused: true, timezone: c.zone });
    const evaluator = new EvaluatorCache(1).get(c.pattern, c.zone);
    let cursor = midMorning;
    for (let i = 0; i < 20; i++) {
      const want = plain.nextRun(new Date(cursor))!.getTime();
      assert.equal(evaluator.next(cursor), want);
      cursor = want;
    }
  });
}
