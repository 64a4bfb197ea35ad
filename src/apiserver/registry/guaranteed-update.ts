/**
 * GuaranteedUpdate: the read-modify-write loop every write of the resource engine runs in, as a
 * real API server's storage layer does.
 *
 * In: a store key, the resource it names (for error messages) and `mutate(current)`, which checks
 * the request's preconditions against `current`, builds the new object and writes it with
 * `expectedResourceVersion` = the version it read. Out: whatever `mutate` returns.
 *
 * - Writes to one key run one at a time, in arrival order: the next read sees the previous write,
 *   so writers in this process never race each other (the WAL store's reads see only fsync'd
 *   writes, and without this every concurrent patch but one would conflict).
 * - If the store still reports a conflict (a writer that bypassed this queue), the loop waits until
 *   the store's readable view has caught up with the write that won, re-reads, and calls `mutate`
 *   again: a request without a resourceVersion precondition is re-applied to the latest object;
 *   one with a precondition then fails it (`mutate` throws the 409 itself). Bounded in attempts.
 * - Never: retries anything but a StoreConflictError, or queues more than a bounded number of
 *   requests per key (429 beyond it).
 */
import type { Clock } from '../../util/clock.ts';
import { ApiError, errors } from '../status-errors.ts';
import { type ObjectStore, StoreConflictError, type StoredObject } from '../store/object-store.ts';

/** What a real server says when a resourceVersion precondition fails. */
export const OBJECT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

export interface GuaranteedUpdateLimits {
  /** Store writes tried per request (each after a fresh read) before answering 409. */
  attempts: number;
  /** Longest wait, per attempt, for the store's readable view to show the write that won. */
  catchUpMs: number;
  /** Requests waiting for one key before more are refused with 429. */
  maxQueuedPerKey: number;
  /** Longest wait for the requests ahead on the same key before answering 429. */
  queueWaitMs: number;
}

export const DEFAULT_UPDATE_LIMITS: GuaranteedUpdateLimits = {
  attempts: 8,
  catchUpMs: 2_000,
  maxQueuedPerKey: 1_000,
  queueWaitMs: 30_000,
};

/** The resource a key names, for the Status a client gets. */
export interface UpdateTarget {
  group: string;
  plural: string;
  name: string;
}

interface KeyQueue {
  tail: Promise<void>;
  queued: number;
}

export class GuaranteedUpdater {
  private readonly queues = new Map<string, KeyQueue>();
  private readonly limits: GuaranteedUpdateLimits;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    limits: Partial<GuaranteedUpdateLimits> = {},
  ) {
    this.limits = { ...DEFAULT_UPDATE_LIMITS, ...limits };
  }

  /** Run `mutate` on the latest stored object under `key` until its write does not conflict. */
  run<T>(
    key: string,
    target: UpdateTarget,
    mutate: (current: StoredObject | undefined) => Promise<T>,
  ): Promise<T> {
    return this.exclusive(key, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = this.store.get(key);
        try {
          return await mutate(current);
        } catch (e) {
          if (!(e instanceof StoreConflictError)) throw e;
          if (attempt >= this.limits.attempts)
            throw errors.conflict(
              target.group,
              target.plural,
              target.name,
              `the object kept changing while this write was applied (${attempt} attempts); please try again`,
            );
          await this.caughtUp(key, current?.resourceVersion ?? 0, e.actual);
        }
      }
    });
  }

  /** Requests waiting or running for `key` (for tests and diagnostics). */
  queued(key: string): number {
    return this.queues.get(key)?.queued ?? 0;
  }

  private async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { tail: Promise.resolve(), queued: 0 };
      this.queues.set(key, queue);
    }
    if (queue.queued >= this.limits.maxQueuedPerKey) throw tooManyWriters(queue.queued);
    queue.queued++;
    const ahead = queue.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The next request waits for everyone ahead and for this one, even if this one gives up early.
    queue.tail = ahead.then(() => mine);
    try {
      await this.waitTurn(ahead, queue.queued);
      return await fn();
    } finally {
      release();
      if (--queue.queued === 0 && this.queues.get(key) === queue) this.queues.delete(key);
    }
  }

  private waitTurn(ahead: Promise<void>, queued: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(tooManyWriters(queued)), this.limits.queueWaitMs);
      void ahead.then(() => {
        this.clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Resolve once the readable view of `key` moved on from the version read (`readRv`), or reached
   * the version that won (`winner`; 0 when the winner deleted it), or after catchUpMs.
   */
  private caughtUp(key: string, readRv: number, winner: number): Promise<void> {
    const moved = () => {
      const now = this.store.get(key)?.resourceVersion ?? 0;
      return now !== readRv || (winner > 0 && now >= winner);
    };
    if (moved()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        this.clock.clearTimeout(timer);
        resolve();
      };
      const unsubscribe = this.store.onChange((change) => {
        if (change.key === key && moved()) done();
      });
      const timer = this.clock.setTimeout(done, this.limits.catchUpMs);
    });
  }
}

function tooManyWriters(queued: number): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    `too many writes (${queued}) are waiting for this object; retry shortly`,
    { retryAfterSeconds: 1 },
  );
}
