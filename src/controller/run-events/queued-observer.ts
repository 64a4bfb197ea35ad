/**
 * A bounded, asynchronous hand-off between the run-event bus and an observer that does I/O
 * (notifications, chains, live views): `observe` only appends to a queue of at most `capacity`
 * events and returns; a single drain loop hands them to the consumer one at a time, awaiting each.
 * When the consumer falls behind and the queue is full, the NEWEST event is dropped and counted
 * (`ofelia_run_event_observer_dropped_total`): the dispatcher never waits for a consumer, and
 * memory stays bounded whatever the consumer does. A consumer that rejects is logged and counted;
 * the drain goes on with the next event.
 */
import type { Logger } from '../../log/logger.ts';
import type { RunEventMetrics } from '../../metrics/run-event-metrics.ts';
import type { RunEvent, RunObserver, RunSubject } from './run-event.ts';

export interface QueuedObserverOptions<S extends RunSubject> {
  name: string;
  /** Handles one event; the next is handed over once this settles. */
  consume(event: RunEvent<S>): Promise<void> | void;
  /** Events held at most (default 10,000). */
  capacity?: number;
  /** Which events to queue at all (default all); the rest are ignored without cost. */
  accepts?(event: RunEvent<S>): boolean;
  logger: Logger;
  metrics?: RunEventMetrics;
}

export class QueuedObserver<S extends RunSubject = RunSubject> implements RunObserver<S> {
  readonly name: string;
  private readonly queue: RunEvent<S>[] = [];
  private readonly capacity: number;
  private draining: Promise<void> | undefined;
  private dropped = 0;

  constructor(private readonly opts: QueuedObserverOptions<S>) {
    this.name = opts.name;
    this.capacity = Math.max(1, opts.capacity ?? 10_000);
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  observe(event: RunEvent<S>): void {
    if (this.opts.accepts && !this.opts.accepts(event)) return;
    if (this.queue.length >= this.capacity) {
      this.dropped++;
      this.opts.metrics?.observerDropped.inc({ observer: this.name });
      if (this.dropped === 1 || this.dropped % 1000 === 0)
        this.opts.logger.warn(
          { observer: this.name, dropped: this.dropped, capacity: this.capacity },
          'run event observer queue full: events dropped',
        );
      return;
    }
    this.queue.push(event);
    this.opts.metrics?.observerQueued.set({ observer: this.name }, this.queue.length);
    this.draining ??= this.drain();
  }

  /** Resolves once every event queued so far has been handed over (callers bound the wait). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Let the publisher return first: consumption never runs on the dispatching path.
    await Promise.resolve();
    for (let event = this.queue.shift(); event; event = this.queue.shift()) {
      this.opts.metrics?.observerQueued.set({ observer: this.name }, this.queue.length);
      try {
        await this.opts.consume(event);
      } catch (error) {
        this.opts.metrics?.observerErrors.inc({ observer: this.name });
        this.opts.logger.error(
          { observer: this.name, event: event.type, job: event.job.key, error: String(error) },
          'run event consumer failed',
        );
      }
    }
    this.draining = undefined;
  }
}
