/**
 * A token bucket on an injected Clock: `ratePerSecond` tokens refill continuously up to `burst`.
 *
 * `reserve()` takes a token now or, when the bucket is empty, books one in the future and says how
 * long to wait for it (like golang.org/x/time/rate's Reservation): callers schedule instead of
 * polling, and N reservations in a row are spaced 1/rate apart.
 */
import type { Clock } from '../util/clock.ts';

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  clock: Clock;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be > 0');
    if (!(opts.burst >= 1)) throw new RangeError('burst must be >= 1');
    this.tokens = opts.burst;
    this.last = opts.clock.now();
  }

  private refill(): void {
    const now = this.opts.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.opts.burst, this.tokens + (elapsed * this.opts.ratePerSecond) / 1000);
    this.last = now;
  }

  /** Take a token if one is available now. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Take a token, possibly in the future: returns the milliseconds to wait before using it. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    return Math.ceil((-this.tokens * 1000) / this.opts.ratePerSecond);
  }

  /** Milliseconds until `tryTake()` would succeed (0 when a token is there now). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.opts.ratePerSecond);
  }
}
