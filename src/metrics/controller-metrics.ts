/**
 * Controller metrics: the work queue, reconciles and leader election under the names
 * controller-runtime uses (so existing dashboards work), plus the status writer, the event
 * recorder and the informer. Every label set is fixed and bounded: `name`/`controller` is one of
 * the operator's few controllers, `result` is a closed enum.
 *
 * Defined on the Registry passed in (never the global one), so tests and several managers in one
 * process never collide.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets for the work queue and reconcile durations: 1 ms .. ~16 min, like controller-runtime's. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300, 1000];

export type ReconcileResult = 'success' | 'error' | 'requeue_after' | 'requeue';
export type StatusWriteResult = 'success' | 'error' | 'gone' | 'rejected';
export type EventWriteResult = 'created' | 'aggregated' | 'dropped' | 'error';

export class ControllerMetrics {
  readonly workqueueDepth: Gauge<'name'>;
  readonly workqueueAdds: Counter<'name'>;
  readonly workqueueQueueDuration: Histogram<'name'>;
  readonly workqueueWorkDuration: Histogram<'name'>;
  readonly workqueueRetries: Counter<'name'>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly statusWrites: Counter<'result'>;
  readonly statusWriteQueueDepth: Gauge;
  readonly statusWriteDelay: Histogram;
  readonly events: Counter<'result'>;
  readonly informerRestarts: Counter<'resource'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.workqueueDepth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue.',
      labelNames: ['name'] as const,
      registers,
    });
    this.workqueueAdds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by the work queue.',
      labelNames: ['name'] as const,
      registers,
    });
    this.workqueueQueueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in the work queue before being requested.',
      labelNames: ['name'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.workqueueWorkDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from the work queue takes.',
      labelNames: ['name'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.workqueueRetries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries (rate-limited re-adds) handled by the work queue.',
      labelNames: ['name'] as const,
      registers,
    });
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller, by result.',
      labelNames: ['controller', 'result'] as const,
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller.',
      labelNames: ['controller'] as const,
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller.',
      labelNames: ['controller'] as const,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Whether this replica currently holds the lease (1) or not (0).',
      labelNames: ['name'] as const,
      registers,
    });
    this.statusWrites = new Counter({
      name: 'ofelia_status_writes_total',
      help: 'Status patches sent, by result (success, error = will retry, gone = object deleted, rejected = dropped after a 4xx).',
      labelNames: ['result'] as const,
      registers,
    });
    this.statusWriteQueueDepth = new Gauge({
      name: 'ofelia_status_write_queue_depth',
      help: 'Objects with a status change waiting to be written (at most one entry per object).',
      registers,
    });
    this.statusWriteDelay = new Histogram({
      name: 'ofelia_status_write_delay_seconds',
      help: 'Time from the first pending change of an object to its successful write.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.events = new Counter({
      name: 'ofelia_events_total',
      help: 'Kubernetes Events recorded, by result (created, aggregated into an existing one, dropped when the queue is full, error).',
      labelNames: ['result'] as const,
      registers,
    });
    this.informerRestarts = new Counter({
      name: 'ofelia_informer_restarts_total',
      help: 'Times an informer was restarted after an error.',
      labelNames: ['resource'] as const,
      registers,
    });
  }

  /** One reconcile of `controller` ended with `result` (an error also counts in reconcile_errors). */
  reconciled(controller: string, result: ReconcileResult): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
  }

  /** One status write ended with `result`. */
  statusWritten(result: StatusWriteResult): void {
    this.statusWrites.inc({ result });
  }

  /** One Event was created, aggregated into an earlier one, dropped, or failed. */
  eventWritten(result: EventWriteResult): void {
    this.events.inc({ result });
  }
}
