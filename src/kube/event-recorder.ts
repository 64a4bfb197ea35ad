/**
 * The event recorder: core/v1 Events about jobs, with CronJob-like reasons (docs/controller.md has
 * the table), written in the background.
 *
 * - Aggregated: the same (object, type, reason, message) within `aggregationWindowMs` (10 min)
 *   bumps `count` and `lastTimestamp` of the existing Event instead of creating another, as
 *   client-go's EventCorrelator does. Bumps still waiting to be sent are merged into one write.
 * - Bounded: at most `maxPending` distinct Events wait to be written (beyond: dropped, counted as
 *   `ofelia_events_total{result="dropped"}` and logged); the aggregation cache holds at most
 *   `cacheSize` entries (least recently used evicted).
 * - Rate-limited by a token bucket, one write at a time: Events never compete with status writes.
 *   Warnings go out before Normal Events waiting with them, and a full queue drops its oldest
 *   Normal Event to make room for a Warning: under a backlog (many runs, a slow API server) the
 *   Events people look for are neither queued behind routine ones nor lost to them.
 * - `record` never blocks and never throws; a failed write is counted and logged, not retried
 *   (Events are best-effort, as in Kubernetes).
 */

import type { EventTarget, EventType } from '../api/job-reporting.ts';
import type { Logger } from '../log/logger.ts';
import type { TokenBucket } from '../machinery/token-bucket.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { describeError, isAlreadyExists, isNotFound } from './api-errors.ts';

/** The core/v1 Event fields the recorder writes. */
export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  involvedObject: EventTarget;
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance?: string;
}

/** Where Events go: the API over HTTPS (kube-event-sink.ts) or in-process (src/in-process-client), or a fake in unit tests. */
export interface EventSink {
  create(event: CoreEvent): Promise<void>;
  /** Merge-patch `count` and `lastTimestamp` of an existing Event. */
  bump(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void>;
}

export interface EventRecorderOptions {
  sink: EventSink;
  clock: Clock;
  logger: Logger;
  bucket: TokenBucket;
  metrics?: ControllerMetrics;
  component?: string;
  /** This replica's name (node or pod), shown as the event source host. */
  host?: string;
  aggregationWindowMs?: number;
  maxPending?: number;
  cacheSize?: number;
}

export const MAX_EVENT_MESSAGE = 1024;

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastSeenMs: number;
  /** True once the Event exists on the server (a bump can be sent). */
  created: boolean;
}

interface PendingWrite {
  id: string;
  /** The Event as it should now be; created, or bumped if it already exists. */
  event: CoreEvent;
}

export class EventRecorder {
  private readonly cache = new Map<string, Aggregate>();
  private readonly pending = new Map<string, PendingWrite>();
  private busy = false;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private sequence = 0;
  private readonly idleWaiters: Array<() => void> = [];
  private readonly windowMs: number;
  private readonly maxPending: number;
  private readonly cacheSize: number;
  private readonly component: string;
  /** Warnings among `pending` (so Normal-only backlogs skip the scan for one). */
  private pendingWarnings = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.windowMs = opts.aggregationWindowMs ?? 10 * 60_000;
    this.maxPending = opts.maxPending ?? 1000;
    this.cacheSize = opts.cacheSize ?? 4096;
    this.component = opts.component ?? 'ofelia-operator';
  }

  get pendingCount(): number {
    return this.pending.size + (this.busy ? 1 : 0);
  }

  record(target: EventTarget, type: EventType, reason: string, message: string): void {
    if (this.stopped) return;
    const text = message.length > MAX_EVENT_MESSAGE ? `${message.slice(0, MAX_EVENT_MESSAGE - 1)}…` : message;
    const now = this.opts.clock.now();
    const nowIso = new Date(now).toISOString();
    const id = `${target.namespace}\u0000${target.uid ?? target.name}\u0000${type}\u0000${reason}\u0000${text}`;
    let aggregate = this.cache.get(id);
    if (aggregate && now - aggregate.lastSeenMs > this.windowMs) aggregate = undefined;
    if (aggregate) {
      aggregate.count++;
      aggregate.lastSeenMs = now;
      this.cache.delete(id); // re-insert: most recently used last
      this.cache.set(id, aggregate);
    } else {
      aggregate = {
        name: `${target.name}.${now.toString(16)}${(this.sequence++ % 4096).toString(16).padStart(3, '0')}`,
        namespace: target.namespace,
        count: 1,
        firstTimestamp: nowIso,
        lastSeenMs: now,
        created: false,
      };
      this.cache.set(id, aggregate);
      while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    }
    const event: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: aggregate.name, namespace: target.namespace },
      involvedObject: target,
      reason,
      message: text,
      type,
      count: aggregate.count,
      firstTimestamp: aggregate.firstTimestamp,
      lastTimestamp: nowIso,
      source: this.opts.host
        ? { component: this.component, host: this.opts.host }
        : { component: this.component },
      reportingComponent: this.component,
      ...(this.opts.host ? { reportingInstance: this.opts.host } : {}),
    };
    const queued = this.pending.get(id);
    if (queued && queued.event.metadata.name === aggregate.name) {
      // Still waiting: the one write carries the latest count (a create then creates it with it).
      queued.event = event;
    } else if (this.pending.size >= this.maxPending && !(type === 'Warning' && this.dropOldestNormal())) {
      this.opts.metrics?.eventWritten('dropped');
      this.opts.logger.warn(
        { namespace: target.namespace, job: target.name, reason },
        'event queue full: event dropped',
      );
      return;
    } else {
      this.pending.set(id, { id, event });
      if (type === 'Warning') this.pendingWarnings++;
    }
    this.pump();
  }

  /** Resolves true once every pending Event is written (or failed), false after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pendingCount === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const handle = this.opts.clock.setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        this.opts.clock.clearTimeout(handle);
        resolve(true);
      });
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    if (this.stopped || this.busy || this.timer !== undefined) return;
    const next = this.pendingWarnings > 0 ? this.firstWarning() : this.pending.values().next();
    if (next.done) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    if (!this.opts.bucket.tryTake()) {
      this.timer = this.opts.clock.setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.opts.bucket.waitMs());
      return;
    }
    const write = next.value;
    this.pending.delete(write.id);
    if (write.event.type === 'Warning') this.pendingWarnings--;
    this.busy = true;
    void this.send(write).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  /** A full queue makes room for a Warning by dropping its oldest Normal event; false if none. */
  private dropOldestNormal(): boolean {
    for (const write of this.pending.values()) {
      if (write.event.type === 'Warning') continue;
      this.pending.delete(write.id);
      this.opts.metrics?.eventWritten('dropped');
      this.opts.logger.warn(
        {
          namespace: write.event.involvedObject.namespace,
          job: write.event.involvedObject.name,
          reason: write.event.reason,
        },
        'event queue full: event dropped',
      );
      return true;
    }
    return false;
  }

  /** The oldest pending Warning (called only while there is one). */
  private firstWarning(): IteratorResult<PendingWrite> {
    for (const write of this.pending.values()) {
      if (write.event.type === 'Warning') return { done: false, value: write };
    }
    return this.pending.values().next();
  }

  private async send(write: PendingWrite): Promise<void> {
    const { sink, metrics, logger } = this.opts;
    const { event } = write;
    const aggregate = this.cache.get(write.id);
    const mine = aggregate !== undefined && aggregate.name === event.metadata.name;
    const bump = () =>
      sink.bump(event.metadata.namespace, event.metadata.name, event.count, event.lastTimestamp);
    try {
      if (mine && aggregate.created) {
        await bump();
        metrics?.eventWritten('aggregated');
        return;
      }
      try {
        await sink.create(event);
        metrics?.eventWritten('created');
      } catch (error) {
        // Created by an earlier write whose answer was lost: bump it instead.
        if (!isAlreadyExists(error)) throw error;
        await bump();
        metrics?.eventWritten('aggregated');
      }
      if (mine) aggregate.created = true;
    } catch (error) {
      metrics?.eventWritten('error');
      // The Event expired or was deleted: the next occurrence starts a new one.
      if (isNotFound(error) && aggregate?.name === event.metadata.name) this.cache.delete(write.id);
      logger.warn(
        { namespace: event.metadata.namespace, reason: event.reason, error: describeError(error) },
        'event not written',
      );
    }
  }
}
