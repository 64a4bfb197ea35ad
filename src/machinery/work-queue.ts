/**
 * A rate-limited, de-duplicating work queue with processing-set semantics (client-go's
 * `workqueue.RateLimitingInterface`):
 * - an item added while it is already queued is queued once;
 * - an item added while a worker processes it is queued again when that worker calls `done()`,
 *   never handed to a second worker at the same time;
 * - `addAfter` keeps the earliest pending time per item (one timer per waiting item);
 * - `addRateLimited` waits as long as the rate limiter says (per-item backoff, overall bucket).
 *
 * Bound: items are object keys, de-duplicated, so the queue never holds more entries than there are
 * distinct keys (objects in the informer cache).
 * Never: runs work itself, reads the real clock (it takes a Clock), or blocks `add`.
 */
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import type { RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<T> {
  name: string;
  clock: Clock;
  rateLimiter: RateLimiter<T>;
  metrics?: ControllerMetrics;
}

export class WorkQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly addedAt = new Map<T, number>();
  private readonly startedAt = new Map<T, number>();
  private readonly waiting = new Map<T, { at: number; handle: TimerHandle }>();
  private readonly getters: Array<(item: T | undefined) => void> = [];
  private shuttingDown = false;

  constructor(private readonly opts: WorkQueueOptions<T>) {}

  /** Items queued and not yet handed to a worker. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Items waiting for their `addAfter` time. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.opts.metrics?.workqueueAdds.inc({ name: this.opts.name });
    this.dirty.add(item);
    if (this.processing.has(item)) return; // re-queued by done()
    this.enqueue(item);
  }

  /** Add `item` after `delayMs`; an earlier pending time for the same item wins. */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(item);
      return;
    }
    const at = this.opts.clock.now() + delayMs;
    const existing = this.waiting.get(item);
    if (existing && existing.at <= at) return;
    if (existing) this.opts.clock.clearTimeout(existing.handle);
    const handle = this.opts.clock.setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, delayMs);
    this.waiting.set(item, { at, handle });
  }

  /** Re-add a failed item after its backoff. */
  addRateLimited(item: T): void {
    this.opts.metrics?.workqueueRetries.inc({ name: this.opts.name });
    this.addAfter(item, this.opts.rateLimiter.when(item));
  }

  /** The item succeeded: reset its backoff. */
  forget(item: T): void {
    this.opts.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.opts.rateLimiter.retries(item);
  }

  /** The next item to process, or undefined once the queue is shut down. Call `done(item)` after. */
  get(): Promise<T | undefined> {
    if (this.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Processing of `item` ended; if it was added meanwhile it is queued again. */
  done(item: T): void {
    const started = this.startedAt.get(item);
    if (started !== undefined) {
      this.opts.metrics?.workqueueWorkDuration.observe(
        { name: this.opts.name },
        (this.opts.clock.now() - started) / 1000,
      );
      this.startedAt.delete(item);
    }
    this.processing.delete(item);
    if (this.dirty.has(item) && !this.shuttingDown) this.enqueue(item);
  }

  /** Stop accepting items, cancel delayed adds and release blocked `get()` calls. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.waiting.values()) this.opts.clock.clearTimeout(handle);
    this.waiting.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  private enqueue(item: T): void {
    this.addedAt.set(item, this.opts.clock.now());
    this.items.push(item);
    this.updateDepth();
    while (this.getters.length > 0 && this.length > 0) {
      const resolve = this.getters.shift()!;
      resolve(this.take());
    }
  }

  private take(): T {
    const item = this.items[this.head] as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.processing.add(item);
    this.dirty.delete(item);
    const now = this.opts.clock.now();
    const added = this.addedAt.get(item);
    if (added !== undefined) {
      this.opts.metrics?.workqueueQueueDuration.observe({ name: this.opts.name }, (now - added) / 1000);
      this.addedAt.delete(item);
    }
    this.startedAt.set(item, now);
    this.updateDepth();
    return item;
  }

  private updateDepth(): void {
    this.opts.metrics?.workqueueDepth.set({ name: this.opts.name }, this.length);
  }
}
