/**
 * Metrics of the embedded API server. Labels are bounded: `verb` is the HTTP method from a fixed
 * list (anything else is OTHER), `code` the status class (2xx, 3xx, 4xx, 5xx).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const VERBS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export class ApiServerMetrics {
  readonly requests: Counter<'verb' | 'code'>;
  readonly requestDuration: Histogram<'verb'>;
  readonly watchers: Gauge;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'ofelia_apiserver_requests_total',
      help: 'Requests answered by the embedded API server, by HTTP method and status class.',
      labelNames: ['verb', 'code'] as const,
      registers: [registry],
    });
    this.requestDuration = new Histogram({
      name: 'ofelia_apiserver_request_duration_seconds',
      help: 'Time to answer a request (for watches: the whole stream), by HTTP method.',
      labelNames: ['verb'] as const,
      buckets: [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 600, 3600],
      registers: [registry],
    });
    this.watchers = new Gauge({
      name: 'ofelia_apiserver_watchers',
      help: 'Watch streams currently open.',
      registers: [registry],
    });
  }

  observe(method: string, code: number, seconds: number): void {
    const verb = VERBS.has(method) ? method : 'OTHER';
    this.requests.inc({ verb, code: `${Math.floor(code / 100)}xx` });
    this.requestDuration.observe({ verb }, seconds);
  }
}
