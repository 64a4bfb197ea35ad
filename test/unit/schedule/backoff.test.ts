import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from '../../../src/schedule/backoff.ts';

const defaults = { initialBackoffSeconds: 10, maxBackoffSeconds: 300 };

const cases: { name: string; attempt: number; policy: typeof defaults; wantMs: number }[] = [
  { name: 'no retry yet', attempt: 0, policy: defaults, wantMs: 0 },
  { name: 'first retry: initial', attempt: 1, policy: defaults, wantMs: 10_000 },
  { name: 'second doubles', attempt: 2, policy: defaults, wantMs: 20_000 },
  { name: 'fifth', attempt: 5, policy: defaults, wantMs: 160_000 },
  { name: 'sixth hits the cap', attempt: 6, policy: defaults, wantMs: 300_000 },
  { name: 'far past the cap stays capped', attempt: 60, policy: defaults, wantMs: 300_000 },
  { name: 'huge attempt stays finite', attempt: 1e9, policy: defaults, wantMs: 300_000 },
  {
    name: 'cap below initial wins',
    attempt: 1,
    policy: { initialBackoffSeconds: 60, maxBackoffSeconds: 30 },
    wantMs: 30_000,
  },
  {
    name: 'zero initial',
    attempt: 3,
    policy: { initialBackoffSeconds: 0, maxBackoffSeconds: 30 },
    wantMs: 0,
  },
  {
    name: 'negative settings clamp to zero',
    attempt: 2,
    policy: { initialBackoffSeconds: -1, maxBackoffSeconds: -1 },
    wantMs: 0,
  },
  { name: 'NaN attempt', attempt: Number.NaN, policy: defaults, wantMs: 0 },
];

for (const c of cases) {
  test(`backoff: ${c.name}`, () => {
    assert.equal(retryDelayMs(c.attempt, c.policy), c.wantMs);
  });
}
