/**
 * Metrics of the Docker client pool. Labels are bounded: `daemon` comes from the operator's own
 * configuration (a handful), `operation` from the fixed DOCKER_OPERATIONS list, `reason` from the
 * error classes' fixed reasons, `pool` is control|stream.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const DOCKER_OPERATIONS = [
  'ping',
  'version',
  'container.create',
  'container.start',
  'container.inspect',
  'container.list',
  'container.wait',
  'container.logs',
  'container.attach',
  'container.kill',
  'container.stop',
  'container.remove',
  'image.inspect',
  'image.pull',
  'exec.create',
  'exec.start',
  'exec.inspect',
  'volume.inspect',
  /** Any other Engine API path dockerode is asked for (version, ...). */
  'other',
] as const;
export type DockerOperation = (typeof DOCKER_OPERATIONS)[number];

/** Breaker state as the gauge reports it. */
export const BREAKER_STATE_VALUE = { closed: 0, halfOpen: 1, open: 2 } as const;
export type BreakerStateName = keyof typeof BREAKER_STATE_VALUE;

/** What a pool reports when metrics are scraped. */
export interface PoolGaugeSource {
  daemon: string;
  controlSockets(): number;
  streamSockets(): number;
  bulkheadQueued(): number;
}

export class DockerMetrics {
  readonly requestDuration: Histogram<'daemon' | 'operation'>;
  readonly requestErrors: Counter<'daemon' | 'operation' | 'reason'>;
  readonly breakerState: Gauge<'daemon'>;
  readonly breakerTransitions: Counter<'daemon' | 'state'>;
  readonly poolSockets: Gauge<'daemon' | 'pool'>;
  readonly bulkheadQueue: Gauge<'daemon'>;
  readonly bulkheadRejected: Counter<'daemon'>;
  private readonly sources = new Map<string, PoolGaugeSource>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.requestDuration = new Histogram({
      name: 'ofelia_docker_request_duration_seconds',
      help: 'Duration of Docker Engine API calls (for streams: until the answer starts).',
      labelNames: ['daemon', 'operation'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.requestErrors = new Counter({
      name: 'ofelia_docker_request_errors_total',
      help: 'Docker Engine API calls that failed, by reason (NotFound, Conflict, DaemonError, DockerTimeout, DockerTransport, DaemonUnavailable ...).',
      labelNames: ['daemon', 'operation', 'reason'] as const,
      registers,
    });
    this.breakerState = new Gauge({
      name: 'ofelia_docker_breaker_state',
      help: 'Circuit breaker state per daemon: 0 closed, 1 half-open, 2 open.',
      labelNames: ['daemon'] as const,
      registers,
    });
    this.breakerTransitions = new Counter({
      name: 'ofelia_docker_breaker_transitions_total',
      help: 'Circuit breaker transitions per daemon, by the state entered.',
      labelNames: ['daemon', 'state'] as const,
      registers,
    });
    const sources = this.sources;
    this.poolSockets = new Gauge({
      name: 'ofelia_docker_pool_sockets',
      help: 'Sockets in use per daemon and pool (control: short calls; stream: wait/logs/exec/pull).',
      labelNames: ['daemon', 'pool'] as const,
      registers,
      collect() {
        for (const s of sources.values()) {
          this.set({ daemon: s.daemon, pool: 'control' }, s.controlSockets());
          this.set({ daemon: s.daemon, pool: 'stream' }, s.streamSockets());
        }
      },
    });
    this.bulkheadQueue = new Gauge({
      name: 'ofelia_docker_bulkhead_queue_length',
      help: 'Calls waiting for a bulkhead slot per daemon.',
      labelNames: ['daemon'] as const,
      registers,
      collect() {
        for (const s of sources.values()) this.set({ daemon: s.daemon }, s.bulkheadQueued());
      },
    });
    this.bulkheadRejected = new Counter({
      name: 'ofelia_docker_bulkhead_rejected_total',
      help: 'Calls refused because the bulkhead and its queue were full.',
      labelNames: ['daemon'] as const,
      registers,
    });
  }

  /** Registers a pool whose sockets and queue are read at scrape time. */
  track(source: PoolGaugeSource): void {
    this.sources.set(source.daemon, source);
  }

  untrack(daemon: string): void {
    this.sources.delete(daemon);
  }

  setBreakerState(daemon: string, state: BreakerStateName): void {
    this.breakerState.set({ daemon }, BREAKER_STATE_VALUE[state]);
    this.breakerTransitions.inc({ daemon, state });
  }
}
