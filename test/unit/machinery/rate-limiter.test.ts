import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
} from '../../../src/machinery/rate-limiter.ts';
import { TokenBucket } from '../../../src/machinery/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const exponentialCases: { name: string; failures: number; want: number }[] = [
  { name: 'first failure waits the base', failures: 1, want: 5 },
  { name: 'second failure doubles', failures: 2, want: 10 },
  { name: 'tenth failure', failures: 10, want: 5 * 2 ** 9 },
  { name: 'capped at 1000 s', failures: 30, want: 1_000_000 },
  { name: 'no overflow after thousands of failures', failures: 5000, want: 1_000_000 },
];
for (const c of exponentialCases) {
  test(`ItemExponentialRateLimiter: ${c.name}`, () => {
    const limiter = new ItemExponentialRateLimiter<string>(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < c.failures; i++) last = limiter.when('a');
    assert.equal(last, c.want);
    assert.equal(limiter.retries('a'), c.failures);
  });
}

test('ItemExponentialRateLimiter: items back off independently and forget resets', () => {
  const limiter = new ItemExponentialRateLimiter<string>(5, 1_000_000);
  limiter.when('a');
  limiter.when('a');
  assert.equal(limiter.when('b'), 5);
  assert.equal(limiter.when('a'), 20);
  limiter.forget('a');
  assert.equal(limiter.retries('a'), 0);
  assert.equal(limiter.when('a'), 5);
});

test('TokenBucket: burst is free, then reservations are spaced 1/rate apart', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 0]);
  assert.deepEqual([bucket.reserve(), bucket.reserve()], [100, 200]);
  clock.advance(1000);
  // 1 s refills 10 tokens minus the 2 of debt, capped at the burst.
  assert.equal(bucket.waitMs(), 0);
  assert.equal(bucket.tryTake(), true);
});

test('TokenBucket: tryTake refuses when empty and waitMs says how long', () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ ratePerSecond: 20, burst: 1, clock });
  assert.equal(bucket.tryTake(), true);
  assert.equal(bucket.tryTake(), false);
  assert.equal(bucket.waitMs(), 50);
  clock.advance(49);
  assert.equal(bucket.tryTake(), false);
  clock.advance(1);
  assert.equal(bucket.tryTake(), true);
});

test('MaxOfRateLimiter: the overall bucket dominates once its burst is spent', () => {
  const clock = new FakeClock();
  const limiter = new MaxOfRateLimiter<string>(
    new ItemExponentialRateLimiter<string>(5, 1_000_000),
    new BucketRateLimiter<string>(new TokenBucket({ ratePerSecond: 10, burst: 2, clock })),
  );
  assert.equal(limiter.when('a'), 5);
  assert.equal(limiter.when('b'), 5);
  // bucket empty: the third distinct item waits for the bucket, not its own 5 ms
  assert.equal(limiter.when('c'), 100);
  limiter.forget('a');
  assert.equal(limiter.retries('a'), 0);
  assert.equal(limiter.retries('b'), 1);
});

test('defaultControllerRateLimiter: 100 retries of distinct items fit in the burst', () => {
  const limiter = defaultControllerRateLimiter<string>(new FakeClock());
  const delays = Array.from({ length: 101 }, (_, i) => limiter.when(`k${i}`));
  assert.ok(delays.slice(0, 100).every((d) => d === 5));
  assert.equal(delays[100], 100);
});
