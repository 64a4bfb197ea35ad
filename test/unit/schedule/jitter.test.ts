import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jitteredDueMs, jitterMs } from '../../../src/schedule/jitter.ts';
import { topOfTheHour } from './fixtures.ts';

const cases: { name: string; key: string; scheduled: number; maxSeconds: number }[] = [
  { name: 'one second', key: 'ns/a', scheduled: topOfTheHour, maxSeconds: 1 },
  { name: 'thirty seconds', key: 'ns/b', scheduled: topOfTheHour, maxSeconds: 30 },
  { name: 'an hour', key: 'ns/c', scheduled: topOfTheHour + 60_000, maxSeconds: 3600 },
  { name: 'a day', key: 'ns/d', scheduled: topOfTheHour, maxSeconds: 86_400 },
];

for (const c of cases) {
  test(`jitter: ${c.name} is deterministic and within [0, N] s`, () => {
    const first = jitterMs(c.key, c.scheduled, c.maxSeconds);
    assert.equal(
      jitterMs(c.key, c.scheduled, c.maxSeconds),
      first,
      'same inputs, same jitter (restart-safe)',
    );
    assert.equal(jitteredDueMs(c.key, c.scheduled, c.maxSeconds), c.scheduled + first);
    for (let i = 0; i < 2000; i++) {
      const j = jitterMs(`${c.key}-${i}`, c.scheduled + i * 60_000, c.maxSeconds);
      assert.ok(Number.isInteger(j) && j >= 0 && j <= c.maxSeconds * 1000, `${j}`);
    }
  });
}

const zeroCases: { name: string; maxSeconds: number }[] = [
  { name: 'zero', maxSeconds: 0 },
  { name: 'negative', maxSeconds: -5 },
  { name: 'NaN', maxSeconds: Number.NaN },
];
for (const c of zeroCases) {
  test(`jitter: ${c.name} maximum gives no delay`, () => {
    assert.equal(jitterMs('ns/a', topOfTheHour, c.maxSeconds), 0);
  });
}

test('jitter: differs across scheduled times and keys, and spreads over the range', () => {
  const values = new Set<number>();
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 5000; i++) {
    const j = jitterMs('ns/job', topOfTheHour + i * 60_000, 60);
    values.add(j);
    buckets[Math.min(9, Math.floor(j / 6000))]++;
  }
  assert.ok(values.size > 3000, `${values.size} distinct`);
  for (const b of buckets) assert.ok(b > 350 && b < 650, `bucket ${b}`);
  assert.notEqual(jitterMs('ns/one', topOfTheHour, 3600), jitterMs('ns/two', topOfTheHour, 3600));
});
