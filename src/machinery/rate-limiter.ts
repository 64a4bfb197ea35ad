/**
 * Work-queue rate limiters, after client-go's `workqueue.DefaultControllerRateLimiter`: the
 * delay for a failed item is the larger of a per-item exponential backoff (5 ms doubling up to
 * 1000 s) and an overall token bucket (10 per second, burst 100) shared by all retries, so one
 * flapping object backs off alone while a storm of failures cannot flood the API server.
 *
 * Memory: one counter per item that is currently failing; `forget(item)` (called after a success)
 * drops it, so the map is bounded by the number of distinct keys.
 */
import type { Clock } from '../util/clock.ts';
import { TokenBucket } from './token-bucket.ts';

export interface RateLimiter<T> {
  /** Delay in milliseconds before `item` may be retried; counts one more failure. */
  when(item: T): number;
  /** The item succeeded: reset its failure count. */
  forget(item: T): void;
  /** Failures counted for `item` since its last success. */
  retries(item: T): number;
}

export class ItemExponentialRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp overflows to Infinity long after maxMs is reached; min() keeps it bounded.
    return Math.min(this.baseMs * 2 ** exp, this.maxMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  retries(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

export class BucketRateLimiter<T> implements RateLimiter<T> {
  constructor(private readonly bucket: TokenBucket) {}

  when(_item: T): number {
    return this.bucket.reserve();
  }

  forget(_item: T): void {}

  retries(_item: T): number {
    return 0;
  }
}

/** The largest delay of several limiters (each one counts the failure). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    let delay = 0;
    for (const limiter of this.limiters) delay = Math.max(delay, limiter.when(item));
    return delay;
  }

  forget(item: T): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  retries(item: T): number {
    let n = 0;
    for (const limiter of this.limiters) n = Math.max(n, limiter.retries(item));
    return n;
  }
}

/** client-go's default: per-item 5 ms .. 1000 s, overall 10/s with a burst of 100. */
export function defaultControllerRateLimiter<T>(clock: Clock): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(
    new ItemExponentialRateLimiter<T>(5, 1_000_000),
    new BucketRateLimiter<T>(new TokenBucket({ ratePerSecond: 10, burst: 100, clock })),
  );
}
