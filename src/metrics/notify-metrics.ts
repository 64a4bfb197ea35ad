/**
 * Metrics of JobNotifiers, per notifier (`namespace`, `notifier`: one series set per JobNotifier
 * object, removed with it) and, for failures, the fixed `reason` set of DeliveryError
 * (Timeout, HttpStatus, Network, SmtpError, FileError, NotReady).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

type Labels = 'namespace' | 'notifier';

export class NotifyMetrics {
  readonly delivered: Counter<Labels>;
  readonly failed: Counter<Labels | 'reason'>;
  readonly suppressed: Counter<Labels>;
  readonly dropped: Counter<Labels>;
  readonly queued: Gauge<Labels>;
  readonly deliverySeconds: Histogram<Labels>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['namespace', 'notifier'] as const;
    this.delivered = new Counter({
      name: 'ofelia_notifications_delivered_total',
      help: 'Notifications delivered, by notifier.',
      labelNames,
      registers,
    });
    this.failed = new Counter({
      name: 'ofelia_notifications_failed_total',
      help: 'Notifications given up after their retries, by notifier and reason.',
      labelNames: [...labelNames, 'reason'] as const,
      registers,
    });
    this.suppressed = new Counter({
      name: 'ofelia_notifications_suppressed_total',
      help: 'Notifications held back by the cooldown (counted in the next message).',
      labelNames,
      registers,
    });
    this.dropped = new Counter({
      name: 'ofelia_notifications_dropped_total',
      help: "Notifications dropped because the notifier's queue was full.",
      labelNames,
      registers,
    });
    this.queued = new Gauge({
      name: 'ofelia_notifications_queued',
      help: 'Notifications waiting for delivery, by notifier.',
      labelNames,
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'ofelia_notification_delivery_seconds',
      help: 'Time of one delivery attempt, by notifier.',
      labelNames,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** Drops every series of a deleted notifier. */
  forget(namespace: string, notifier: string): void {
    for (const m of [this.delivered, this.suppressed, this.dropped, this.queued, this.deliverySeconds])
      m.remove({ namespace, notifier });
    for (const reason of ['Timeout', 'HttpStatus', 'Network', 'SmtpError', 'FileError', 'NotReady'])
      this.failed.remove({ namespace, notifier, reason });
  }
}
