/**
 * The status writer: every status change of every job goes through here as a merge patch on the
 * status subresource.
 *
 * - Coalesced per object: at most ONE pending entry per object; a change submitted while another
 *   is pending is composed into it (latest value wins per field), so a burst of changes becomes
 *   one write. Bound: the number of objects.
 * - Rate-limited overall by a token bucket (default 20 writes/s), with at most `maxInFlight`
 *   writes at once and never two at once for the same object (order per object is kept).
 * - `urgent` changes (a run starting: `active[]` + `lastScheduleTime`, which guard against double
 *   runs after a restart) go ahead of routine ones.
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

interface Entry {
  key: ObjectKey;
  id: string;
  patch: MergePatch;
  /** When the oldest change in this entry was submitted. */
  since: number;
  failures: number;
  notBefore: number;
}

export class StatusWriter {
  private readonly urgent = new Map<string, Entry>();
  private readonly routine = new Map<string, Entry>();
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
    return this.urgent.size + this.routine.size + this.inFlight.size;
  }

  /** Queue a change of `key`'s status. Never blocks, never throws. */
  submit(key: ObjectKey, patch: StatusPatch, options: { urgent?: boolean } = {}): void {
    if (this.stopped) {
      this.opts.logger.warn(
        { namespace: key.namespace, job: key.name },
        'status change after the writer stopped: not written',
      );
      return;
    }
    const id = `${key.namespace}/${key.name}`;
    const existing = this.urgent.get(id) ?? this.routine.get(id);
    if (existing) {
      existing.patch = composeMergePatches(existing.patch, patch as MergePatch);
      if (options.urgent && this.routine.delete(id)) this.urgent.set(id, existing);
    } else {
      const now = this.opts.clock.now();
      const entry: Entry = { key, id, patch: { ...patch }, since: now, failures: 0, notBefore: now };
      (options.urgent ? this.urgent : this.routine).set(id, entry);
    }
    this.updateDepth();
    this.pump();
  }

  /** The object is gone: drop what is pending for it (a write in flight finishes or 404s). */
  forget(key: ObjectKey): void {
    const id = `${key.namespace}/${key.name}`;
    this.urgent.delete(id);
    this.routine.delete(id);
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
      for (const entry of [...this.urgent.values(), ...this.routine.values()]) entry.notBefore = 0;
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
    while (this.inFlight.size < this.maxInFlight) {
      const entry = this.nextEligible(now);
      if (!entry) break;
      if (!this.opts.bucket.tryTake()) {
        this.wakeAt(now + this.opts.bucket.waitMs());
        return;
      }
      this.send(entry);
    }
    if (this.inFlight.size >= this.maxInFlight) return; // a completion pumps again
    let earliest = Number.POSITIVE_INFINITY;
    for (const map of [this.urgent, this.routine]) {
      for (const entry of map.values()) {
        if (!this.inFlight.has(entry.id)) earliest = Math.min(earliest, entry.notBefore);
      }
    }
    if (earliest !== Number.POSITIVE_INFINITY) this.wakeAt(Math.max(earliest, now));
  }

  private nextEligible(now: number): Entry | undefined {
    for (const map of [this.urgent, this.routine]) {
      for (const entry of map.values()) {
        if (entry.notBefore <= now && !this.inFlight.has(entry.id)) return entry;
      }
    }
    return undefined;
  }

  private send(entry: Entry): void {
    this.urgent.delete(entry.id);
    this.routine.delete(entry.id);
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
    const fields = { namespace: entry.key.namespace, job: entry.key.name };
    if (error === undefined) {
      metrics?.statusWrites.inc({ result: 'success' });
      metrics?.statusWriteDelay.observe((clock.now() - entry.since) / 1000);
    } else if (isNotFound(error)) {
      metrics?.statusWrites.inc({ result: 'gone' });
      logger.info(fields, 'status not written: the object is gone');
    } else if (isPermanentRejection(error)) {
      metrics?.statusWrites.inc({ result: 'rejected' });
      logger.error(
        { ...fields, error: describeError(error) },
        'status change rejected by the API server: dropped',
      );
    } else {
      metrics?.statusWrites.inc({ result: 'error' });
      this.requeueFailed(entry);
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
  private requeueFailed(entry: Entry): void {
    entry.failures++;
    const delay = Math.min(this.retryBaseMs * 2 ** (entry.failures - 1), this.retryMaxMs);
    entry.notBefore = this.opts.clock.now() + delay;
    const newer = this.urgent.get(entry.id) ?? this.routine.get(entry.id);
    if (newer) {
      newer.patch = composeMergePatches(entry.patch, newer.patch);
      newer.since = Math.min(newer.since, entry.since);
      newer.failures = entry.failures;
      newer.notBefore = entry.notBefore;
    } else {
      this.routine.set(entry.id, entry);
    }
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
    this.opts.metrics?.statusWriteQueueDepth.set(this.urgent.size + this.routine.size);
  }
}
