/**
 * Metrics of the run-event stream (src/controller/run-events): how many events of each type were
 * published, and what its observers did with them. `type` is one of the eight RunEvent types and
 * `observer` one of the observers the composition root registers (status, events, metrics,
 * notifications ...): both fixed, bounded sets.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export class RunEventMetrics {
  readonly published: Counter<'type'>;
  readonly observerErrors: Counter<'observer'>;
  readonly observerDropped: Counter<'observer'>;
  readonly observerQueued: Gauge<'observer'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = new Counter({
      name: 'ofelia_run_events_total',
      help: 'Run events published by the dispatcher, by type (Started, Finished, Skipped, ...).',
      labelNames: ['type'] as const,
      registers,
    });
    this.observerErrors = new Counter({
      name: 'ofelia_run_event_observer_errors_total',
      help: 'Run events an observer failed to handle (the error is logged; dispatching goes on).',
      labelNames: ['observer'] as const,
      registers,
    });
    this.observerDropped = new Counter({
      name: 'ofelia_run_event_observer_dropped_total',
      help: 'Run events a queued observer dropped because its bounded queue was full.',
      labelNames: ['observer'] as const,
      registers,
    });
    this.observerQueued = new Gauge({
      name: 'ofelia_run_event_observer_queued',
      help: 'Run events waiting in a queued observer’s bounded queue.',
      labelNames: ['observer'] as const,
      registers,
    });
  }
}
