/**
 * The run-event bus: the dispatcher publishes, observers hear.
 *
 * Delivery is synchronous and in registration order, so every observer sees one job's events in
 * the order they happened and the status view is up to date before the dispatcher goes on (the
 * status observer is registered first). That is also why observers must be quick: each one only
 * updates memory or queues work; slow consumers subscribe through `QueuedObserver`, which bounds
 * what they may hold back. An observer that throws is logged and counted, never propagated: a
 * broken observer cannot stop runs.
 */
import type { Logger } from '../../log/logger.ts';
import type { RunEventMetrics } from '../../metrics/run-event-metrics.ts';
import type { RunEvent, RunObserver, RunSubject } from './run-event.ts';

export interface RunEventPublisher<S extends RunSubject = RunSubject> {
  publish(event: RunEvent<S>): void;
}

export class RunEventBus<S extends RunSubject = RunSubject> implements RunEventPublisher<S> {
  private observers: readonly RunObserver<S>[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: RunEventMetrics,
  ) {}

  /** Adds an observer; returns the function that removes it. */
  subscribe(observer: RunObserver<S>): () => void {
    // Copy on write: a publish in progress keeps iterating over the list it started with.
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  get observerNames(): string[] {
    return this.observers.map((o) => o.name);
  }

  publish(event: RunEvent<S>): void {
    this.metrics?.published.inc({ type: event.type });
    for (const observer of this.observers) {
      try {
        observer.observe(event);
      } catch (error) {
        this.metrics?.observerErrors.inc({ observer: observer.name });
        this.logger.error(
          { observer: observer.name, event: event.type, job: event.job.key, error: String(error) },
          'run event observer failed',
        );
      }
    }
  }
}
