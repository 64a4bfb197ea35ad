/**
 * Run slots: the per-daemon concurrency limit and the one bounded FIFO queue of runs waiting for a
 * free slot.
 *
 * In: `acquire(daemon)` when a run is about to start (may go over the limit: adopted runs already
 * use the daemon), `enqueue(daemon, item)` when none is free, `release(daemon)` when a run ends,
 * then `next(daemon)` to take the waiting items a freed slot admits.
 * Out: `hasFree(daemon)`, the waiting items in arrival order per daemon, `queuedCount` over all
 * daemons (reported through `onQueuedChange` after every change).
 * Never: holds more than `queueLimit` waiting items (enqueue refuses, the caller reports the skip),
 * reorders waiting items, or decides whether a waiting item may still start (the caller does:
 * deadline, job closed, shutdown) — it only hands them out in order.
 */

export interface RunSlotsOptions {
  /** Runs at once per daemon (at least 1). */
  maxPerDaemon: number;
  /** Waiting items over all daemons (at least 0). */
  queueLimit: number;
  /** Called with the new number of waiting items whenever it changes (for a gauge). */
  onQueuedChange?: (queued: number) => void;
}

interface Slot<T> {
  running: number;
  waiting: T[];
}

export class RunSlots<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private queued = 0;
  readonly maxPerDaemon: number;
  readonly queueLimit: number;

  constructor(private readonly opts: RunSlotsOptions) {
    this.maxPerDaemon = Math.max(1, opts.maxPerDaemon);
    this.queueLimit = Math.max(0, opts.queueLimit);
  }

  /** Items waiting for a slot, over all daemons. */
  get queuedCount(): number {
    return this.queued;
  }

  /** Runs holding a slot of `daemon`. */
  running(daemon: string): number {
    return this.slots.get(daemon)?.running ?? 0;
  }

  /** Whether a run may start on `daemon` now. */
  hasFree(daemon: string): boolean {
    return this.slot(daemon).running < this.maxPerDaemon;
  }

  /** A run starts on `daemon` and holds a slot until `release`. Never refuses (see hasFree). */
  acquire(daemon: string): void {
    this.slot(daemon).running++;
  }

  /** A run of `daemon` ended: its slot is free. Take the admitted waiting items with `next`. */
  release(daemon: string): void {
    this.slot(daemon).running--;
  }

  /** Queue an item behind the others; false (nothing queued) when the queue is full. */
  enqueue(daemon: string, item: T): boolean {
    if (this.queued >= this.queueLimit) return false;
    this.slot(daemon).waiting.push(item);
    this.changeQueued(1);
    return true;
  }

  /**
   * The oldest waiting item of `daemon` if a slot is free, removed from the queue; undefined when
   * none is free or none waits. The caller starts it (`acquire`) or drops it, then asks again.
   */
  next(daemon: string): T | undefined {
    const slot = this.slot(daemon);
    if (slot.running >= this.maxPerDaemon || slot.waiting.length === 0) return undefined;
    const item = slot.waiting.shift();
    this.changeQueued(-1);
    return item;
  }

  /** Remove every waiting item `drop` selects (a job released or deleted); returns them. */
  removeWhere(drop: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const slot of this.slots.values()) {
      const kept: T[] = [];
      for (const item of slot.waiting) (drop(item) ? removed : kept).push(item);
      slot.waiting = kept;
    }
    this.changeQueued(-removed.length);
    return removed;
  }

  /** Remove and return every waiting item, in arrival order per daemon (shutdown). */
  takeAll(): T[] {
    const all: T[] = [];
    for (const slot of this.slots.values()) all.push(...slot.waiting.splice(0));
    this.queued = 0;
    this.opts.onQueuedChange?.(0);
    return all;
  }

  private changeQueued(delta: number): void {
    this.queued += delta;
    this.opts.onQueuedChange?.(this.queued);
  }

  private slot(daemon: string): Slot<T> {
    let slot = this.slots.get(daemon);
    if (!slot) {
      slot = { running: 0, waiting: [] };
      this.slots.set(daemon, slot);
    }
    return slot;
  }
}
