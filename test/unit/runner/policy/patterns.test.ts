import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesPattern } from '../../../../src/runner/policy/patterns.ts';

const patterns: { name: string; pattern: string; want: boolean }[] = [
  { name: 'db', pattern: 'db', want: true },
  { name: 'db2', pattern: 'db', want: false },
  { name: 'web-1', pattern: 'web-*', want: true },
  { name: 'web-', pattern: 'web-*', want: true },
  { name: 'xweb-1', pattern: 'web-*', want: false },
  { name: 'a-b-c', pattern: '*-b-*', want: true },
  { name: 'ab', pattern: 'a*b*', want: true },
  { name: 'aXbXa', pattern: 'a*a', want: true },
  { name: 'a', pattern: 'a*a', want: false },
  { name: 'anything', pattern: '*', want: true },
];
for (const p of patterns) {
  test(`matchesPattern(${p.name}, ${p.pattern}) = ${p.want}`, () =>
    assert.equal(matchesPattern(p.name, p.pattern), p.want));
}
