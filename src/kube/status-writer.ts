/**
 * The status writer: every status change of every job goes through here as a merge patch on the
 * status subresource.
 *
 * - Coalesced per object: at most ONE pending entry per object; a change submitted while another
 *   is pending is composed into it (latest value wins per field), so a burst of changes becomes
 *   one write. Bound: the number of objects.
 * - Rate-limited overall by a token bucket (default 20 writes/s), with at most `maxInFlight`
 *   writes at once and never two at once for the same object (order per object is kept).
 * - Prioritised and fair (status-queue.ts): run starts and run results first, then an object's
 *   first status, then routine refreshes; a lower class is still served at least every few
 *   writes. `urgent: true` is the `run` class.
 * - A change may carry `onDone`: called once when the change has been written, or can never be
 *   (`gone`, `rejected`, `forgotten`). Not called when the writer stops with the change unwritten:
 *   that is what the durable result journal (result-journal.ts) is for.
 * - A failed write is retried with exponential backoff, composed under any newer change; never
 *   dropped silently: a 404 (object deleted) or a permanent rejection (400/415/422) drops the entry
 *   with a log line and `ofelia_status_writes_total{result="gone"|"rejected"}`.
 * - `submit` never blocks and never throws: runs never wait for the API server.
 * - `flush(timeoutMs)` waits for everything pending (shutdown).
 */
import type { ObjectKey, StatusPatch } from '../api/job-reporting.ts';
import type { Logger } from '../log/logger.ts';
import type { TokenBucket } from '../machinery/token-bucket.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { composeMergePatches, type MergePatch } from '../util/merge-patch.ts';
import { describeError, httpStatusOf, isNotFound, isPermanentRejection } from './api-errors.ts';
import { FairStatusQueue, type StatusPriority } from './status-queue.ts';

export type { StatusPriority } from './status-queue.ts';

/** Sends one merge patch to an object's status subresource; rejects with the API error on failure. */
export type StatusPatchFn = (key: ObjectKey, patch: StatusPatch) => Promise<void>;

export interface StatusWriterOptions {
  patch: StatusPatchFn;
  clock: Clock;
  logger: Logger;
  bucket: TokenBucket;
  metrics?: ControllerMetrics;
  /** Writes in flight at once (different objects). Default 4. */
  maxInFlight?: number;
  /** First retry delay; doubles per failure up to retryMaxMs. Defaults 200 ms / 30 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** How a change ended: written, or never to be written (the object is gone, the change was rejected, or forgotten). */
export type StatusWriteOutcome = 'written' | 'gone' | 'rejected' | 'forgotten';

export interface SubmitOptions {
  /** A run start: the `run` class (kept for callers that only know urgent/routine). */
  urgent?: boolean;
  /** The class of this change; the higher of this and `urgent` wins. Default `routine`. */
  priority?: StatusPriority;
  /** Called once when this change is written or can never be (see StatusWriteOutcome). */
  onDone?: (outcome: StatusWriteOutcome) => void;
}

interface Entry {
  key: ObjectKey;
  id: string;
  patch: MergePatch;
  priority: StatusPriority;
  /** When the oldest change in this entry was submitted. */
  since: number;
  failures: number;
  notBefore: number;
  /** Callbacks of the changes composed into this entry, oldest first. */
  onDone: Array<(outcome: StatusWriteOutcome) => void>;
}

export class StatusWriter {
  private readonly queue = new FairStatusQueue<Entry>();
  private readonly inFlight = new Map<string, Entry>();
  private readonly idleWaiters: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private readonly maxInFlight: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;

  constructor(private readonly opts: StatusWriterOptions) {
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.retryBaseMs = opts.retryBaseMs ?? 200;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
  }

  /** Objects with a change not yet written (pending or in flight). */
  get pendingCount(): number {
    return this.queue.size + this.inFlight.size;
  }

  /** Queue a change of `key`'s status. Never blocks, never throws. */
  submit(key: ObjectKey, patch: StatusPatch, options: SubmitOptions = {}): void {
    if (this.stopped) {
      this.opts.logger.warn(
        { namespace: key.namespace, job: key.name },
        'status change after the writer stopped: not written',
      );
      return;
    }
    const id = `${key.namespace}/${key.name}`;
    const priority: StatusPriority = options.urgent ? 'run' : (options.priority ?? 'routine');
    const now = this.opts.clock.now();
    const existing = this.queue.get(id);
    if (existing) {
      existing.patch = composeMergePatches(existing.patch, patch as MergePatch);
      if (options.onDone) existing.onDone.push(options.onDone);
      this.queue.promote(id, priority);
    } else {
      this.queue.add(
        {
          key,
          id,
          patch: { ...patch },
          priority,
          since: now,
          failures: 0,
          notBefore: now,
          onDone: options.onDone ? [options.onDone] : [],
        },
        now,
      );
    }
    this.updateDepth();
    this.pump();
  }

  /** The object is gone: drop what is pending for it (a write in flight finishes or 404s). */
  forget(key: ObjectKey): void {
    const entry = this.queue.remove(`${key.namespace}/${key.name}`);
    if (entry) settle(entry, 'forgotten');
    this.updateDepth();
  }

  /** Resolves true once nothing is pending or in flight, false if `timeoutMs` passes first. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pendingCount === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let done = false;
      const handle = this.opts.clock.setTimeout(() => {
        if (done) return;
        done = true;
        this.opts.logger.warn({ pending: this.pendingCount }, 'status flush timed out: changes not written');
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(() => {
        if (done) return;
        done = true;
        this.opts.clock.clearTimeout(handle);
        resolve(true);
      });
      // Retries waiting for their backoff go now: shutdown is no time to wait 30 s.
      this.queue.expediteAll();
      this.pump();
    });
  }

  /** Stop writing; pending changes are kept (call flush first to write them). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.opts.clock.now();
    while (this.inFlight.size < this.maxInFlight && this.queue.hasReady(now)) {
      if (!this.opts.bucket.tryTake()) {
        this.wakeAt(now + this.opts.bucket.waitMs());
        return;
      }
      const entry = this.queue.take(now);
      if (!entry) break;
      this.send(entry);
    }
    if (this.inFlight.size >= this.maxInFlight) return; // a completion pumps again
    const earliest = this.queue.nextDelayedAt();
    if (earliest !== Number.POSITIVE_INFINITY) this.wakeAt(Math.max(earliest, now));
  }

  private send(entry: Entry): void {
    this.inFlight.set(entry.id, entry);
    this.updateDepth();
    let call: Promise<void>;
    try {
      call = this.opts.patch(entry.key, entry.patch as StatusPatch);
    } catch (error) {
      call = Promise.reject(error);
    }
    call.then(
      () => this.finished(entry, undefined),
      (error: unknown) => this.finished(entry, error ?? new Error('status patch failed')),
    );
  }

  private finished(entry: Entry, error: unknown): void {
    this.inFlight.delete(entry.id);
    const { metrics, logger, clock } = this.opts;
    const now = clock.now();
    const fields = { namespace: entry.key.namespace, job: entry.key.name };
    if (error === undefined) {
      metrics?.statusWrites.inc({ result: 'success' });
      metrics?.statusWriteDelay.observe((now - entry.since) / 1000);
      this.queue.done(entry.id, now);
      settle(entry, 'written');
    } else if (isNotFound(error)) {
      metrics?.statusWrites.inc({ result: 'gone' });
      logger.info(fields, 'status not written: the object is gone');
      this.queue.done(entry.id, now);
      settle(entry, 'gone');
    } else if (isPermanentRejection(error)) {
      metrics?.statusWrites.inc({ result: 'rejected' });
      logger.error(
        { ...fields, error: describeError(error) },
        'status change rejected by the API server: dropped',
      );
      this.queue.done(entry.id, now);
      settle(entry, 'rejected');
    } else {
      metrics?.statusWrites.inc({ result: 'error' });
      this.requeueFailed(entry, now);
      logger.warn(
        { ...fields, failures: entry.failures, code: httpStatusOf(error), error: describeError(error) },
        'status write failed: will retry',
      );
    }
    this.updateDepth();
    if (this.pendingCount === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }

  /** Put a failed entry back, under any change submitted meanwhile (the newer values win). */
  private requeueFailed(entry: Entry, now: number): void {
    entry.failures++;
    const delay = Math.min(this.retryBaseMs * 2 ** (entry.failures - 1), this.retryMaxMs);
    entry.notBefore = now + delay;
    this.queue.done(entry.id, now);
    const newer = this.queue.remove(entry.id);
    if (newer) {
      entry.patch = composeMergePatches(entry.patch, newer.patch);
      entry.onDone.push(...newer.onDone);
      entry.since = Math.min(newer.since, entry.since);
      if (rankOf(newer.priority) < rankOf(entry.priority)) entry.priority = newer.priority;
    }
    this.queue.requeue(entry, now);
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = this.opts.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - this.opts.clock.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private updateDepth(): void {
    this.opts.metrics?.statusWriteQueueDepth.set(this.queue.size);
  }
}

function settle(entry: Entry, outcome: StatusWriteOutcome): void {
  for (const onDone of entry.onDone.splice(0)) {
    try {
      onDone(outcome);
    } catch {
      // A callback's failure is its owner's business; the writer's state must not depend on it.
    }
  }
}

function rankOf(p: StatusPriority): number {
  return p === 'run' ? 0 : p === 'first' ? 1 : 2;
}
