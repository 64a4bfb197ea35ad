import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDurationSeconds, parseDurationSeconds } from '../../../../src/apiserver/auth/duration.ts';

const cases: { input: string; want: number | RegExp }[] = [
  { input: '0', want: 0 },
  { input: '90s', want: 90 },
  { input: '15m', want: 900 },
  { input: '24h', want: 86400 },
  { input: '30d', want: 2592000 },
  { input: '2w', want: 1209600 },
  { input: '1h30m', want: 5400 },
  { input: ' 10m ', want: 600 },
  { input: '', want: /invalid duration ""/ },
  { input: '24', want: /invalid duration "24"/ },
  { input: '1y', want: /invalid duration/ },
  { input: '-1h', want: /invalid duration/ },
  { input: '0h', want: /invalid duration/ },
  { input: '1.5h', want: /invalid duration/ },
];
for (const c of cases) {
  test(`parseDurationSeconds(${JSON.stringify(c.input)})`, () => {
    const got = parseDurationSeconds(c.input);
    if (typeof c.want === 'number') assert.equal(got, c.want);
    else assert.match((got as Error).message, c.want);
  });
}

test('formatDurationSeconds picks the largest whole unit', () => {
  assert.deepEqual([0, 45, 120, 7200, 86400 * 30, 5400].map(formatDurationSeconds), [
    'never',
    '45s',
    '2m',
    '2h',
    '30d',
    '90m',
  ]);
});
