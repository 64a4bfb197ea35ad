import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSchedule } from '../../../src/schedule/compile.ts';
import { EvaluatorCache } from '../../../src/schedule/evaluators.ts';
import { fnv1a32, stableHash } from '../../../src/schedule/hash.ts';

const evaluators = new EvaluatorCache(32);

function normalized(expr: string, hashKey: string): string {
  const result = compileSchedule(expr, { timeZone: 'UTC', hashKey, evaluators });
  if (!result.ok) assert.fail(`${expr}: ${result.reason}`);
  return result.schedule.normalized;
}

/** Values a normalized single field allows, expanded (handles n, a-b/s). */
function fieldValues(field: string, max: number): number[] {
  const range = /^(\d+)-(\d+)\/(\d+)$/.exec(field);
  if (range) {
    const out: number[] = [];
    for (let v = Number(range[1]); v <= Number(range[2]); v += Number(range[3])) out.push(v);
    return out;
  }
  if (/^\d+$/.test(field)) return [Number(field)];
  assert.fail(`unexpected field ${field} (max ${max})`);
}

const keys = Array.from({ length: 300 }, (_, i) => `namespace-${i % 7}/job-${i}`);

const cases: {
  name: string;
  expr: string;
  /** Which field of the normalized pattern carries the hashed value. */
  field: number;
  // want: every value within [min, max], first value below `firstBelow`, step between values
  min: number;
  max: number;
  firstBelow: number;
  step?: number;
  /** At least this many distinct choices across the 300 keys (spread). */
  distinct: number;
}[] = [
  { name: 'H minute', expr: 'H * * * *', field: 0, min: 0, max: 59, firstBelow: 60, distinct: 50 },
  { name: 'H hour', expr: '0 H * * *', field: 1, min: 0, max: 23, firstBelow: 24, distinct: 24 },
  {
    name: 'H day-of-month stays in 1-28',
    expr: '0 0 H * *',
    field: 2,
    min: 1,
    max: 28,
    firstBelow: 29,
    distinct: 28,
  },
  { name: 'H month', expr: '0 0 1 H *', field: 3, min: 1, max: 12, firstBelow: 13, distinct: 12 },
  { name: 'H day-of-week', expr: '0 0 * * H', field: 4, min: 0, max: 6, firstBelow: 7, distinct: 7 },
  {
    name: 'H second (6 fields)',
    expr: 'H * * * * *',
    field: 0,
    min: 0,
    max: 59,
    firstBelow: 60,
    distinct: 50,
  },
  {
    name: 'H/15 minute',
    expr: 'H/15 * * * *',
    field: 0,
    min: 0,
    max: 59,
    firstBelow: 15,
    step: 15,
    distinct: 15,
  },
  {
    name: 'H(0-29) minute',
    expr: 'H(0-29) * * * *',
    field: 0,
    min: 0,
    max: 29,
    firstBelow: 30,
    distinct: 28,
  },
  {
    name: 'H(0-29)/10 minute',
    expr: 'H(0-29)/10 * * * *',
    field: 0,
    min: 0,
    max: 29,
    firstBelow: 10,
    step: 10,
    distinct: 10,
  },
  { name: 'H(9-17) hour', expr: '0 H(9-17) * * *', field: 1, min: 9, max: 17, firstBelow: 18, distinct: 9 },
  {
    name: 'H/20 seconds',
    expr: 'H/20 * * * * *',
    field: 0,
    min: 0,
    max: 59,
    firstBelow: 20,
    step: 20,
    distinct: 20,
  },
];

for (const c of cases) {
  test(`H: ${c.name} (${c.expr}) is stable, in range and spread`, () => {
    const firsts = new Set<number>();
    for (const key of keys) {
      const fields = normalized(c.expr, key).split(' ');
      const values = fieldValues(fields[c.field]!, c.max);
      assert.ok(values[0]! >= c.min && values[0]! < c.firstBelow, `${key}: ${fields[c.field]}`);
      for (const v of values) assert.ok(v >= c.min && v <= c.max, `${key}: ${v} outside ${c.min}-${c.max}`);
      if (c.step !== undefined) {
        for (let i = 1; i < values.length; i++) assert.equal(values[i]! - values[i - 1]!, c.step);
        assert.ok(values.at(-1)! + c.step > c.max, 'steps run to the end of the range');
      }
      assert.equal(normalized(c.expr, key), fields.join(' '), 'same key, same value');
      firsts.add(values[0]!);
    }
    assert.ok(firsts.size >= c.distinct, `only ${firsts.size} distinct values`);
  });
}

test('H: different keys give different values (two known keys)', () => {
  assert.notEqual(normalized('H H * * *', 'prod/backup'), normalized('H H * * *', 'prod/cleanup'));
});

test('H: each field hashes independently (minute and hour are not the same number)', () => {
  let same = 0;
  for (const key of keys) {
    const [minute, hour] = normalized('H H * * *', key).split(' ');
    if (Number(minute) % 24 === Number(hour)) same++;
  }
  assert.ok(same < keys.length / 5, `${same} of ${keys.length} had minute%24 == hour`);
});

test('H: adding a seconds field does not move the hashed minute', () => {
  for (const key of keys.slice(0, 20)) {
    const five = normalized('H * * * *', key).split(' ')[0];
    const six = normalized('0 H * * * *', key).split(' ')[1];
    assert.equal(five, six);
  }
});

test('H: known values are pinned (changing the hash would move every job)', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  // Pinned: a change here moves every hashed job of every user.
  assert.equal(normalized('H H * * *', 'default/nightly'), '46 8 * * *');
  assert.equal(normalized('H/15 * * * * *', 'default/nightly'), '5-59/15 * * * * *');
  assert.equal(stableHash('default/nightly', 16) % 60, 46);
});

test('H: minutes of 6,000 jobs spread evenly over the hour (no bucket above 2x the mean)', () => {
  const buckets = new Array(60).fill(0);
  for (let i = 0; i < 6000; i++) buckets[Number(normalized('H * * * *', `ns/job-${i}`).split(' ')[0])]++;
  assert.ok(Math.max(...buckets) < 200, `max bucket ${Math.max(...buckets)}`);
  assert.ok(Math.min(...buckets) > 50, `min bucket ${Math.min(...buckets)}`);
});
