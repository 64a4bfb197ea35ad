/**
 * The guard in front of one daemon: a circuit breaker (cockatiel, consecutive faults), a bulkhead
 * (bounded concurrency and a bounded queue) and the per-call metrics.
 *
 * Only daemon faults (transport errors, timeouts, 5xx: `isDaemonFault`) count toward the breaker.
 * A 404 or a 409 is the daemon answering: it passes through the breaker as a success and is
 * re-thrown to the caller after. While the breaker is open, or the bulkhead and its queue are full,
 * calls fail at once with DaemonUnavailableError: nothing waits without bound.
 */
import {
  BrokenCircuitError,
  BulkheadPolicy,
  BulkheadRejectedError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import type { Histogram } from 'prom-client';
import type { Logger } from '../log/logger.ts';
import type { BreakerStateName, DockerMetrics, DockerOperation } from '../metrics/docker-metrics.ts';
import { DaemonUnavailableError, isDaemonFault } from './errors.ts';

export interface GuardOptions {
  breakerThreshold: number;
  halfOpenAfterMs: number;
  bulkheadLimit: number;
  bulkheadQueue: number;
}

/** An error the daemon answered with, carried through the breaker as a non-failure. */
class Answered {
  constructor(readonly error: unknown) {}
}
const answered = (e: unknown): Answered | Promise<never> =>
  isDaemonFault(e) ? Promise.reject(e) : new Answered(e);

export class DaemonGuard {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly durations = new Map<DockerOperation, Histogram.Internal<'daemon' | 'operation'>>();

  constructor(
    readonly daemon: string,
    private readonly options: GuardOptions,
    private readonly log: Logger,
    private readonly metrics?: DockerMetrics,
  ) {
    this.breaker = circuitBreaker(handleWhen(isDaemonFault), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.bulkhead = new BulkheadPolicy(options.bulkheadLimit, options.bulkheadQueue);
    metrics?.breakerState.set({ daemon }, 0);
    this.breaker.onStateChange((s) => {
      const state = stateName(s);
      metrics?.setBreakerState(daemon, state);
      const last = this.breaker.lastFailure;
      const lastError = last && 'error' in last ? (last.error as Error).message : undefined;
      if (state === 'open') this.log.warn({ daemon, state, lastError }, 'docker breaker state changed');
      else this.log.info({ daemon, state }, 'docker breaker state changed');
    });
  }

  get state(): BreakerStateName {
    return stateName(this.breaker.state);
  }

  /** Calls waiting for a bulkhead slot. */
  get queued(): number {
    return this.options.bulkheadQueue - this.bulkhead.queueSlots;
  }

  /** Runs `fn` under the breaker and the bulkhead, timing it under `op`. */
  async execute<T>(op: DockerOperation, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let out: T | Answered;
    try {
      out = await this.breaker.execute(() => this.bulkhead.execute(() => fn().catch(answered)));
    } catch (e) {
      throw this.failed(op, e);
    }
    if (out instanceof Answered) throw this.failed(op, out.error);
    this.histogram(op).observe((performance.now() - started) / 1000);
    return out;
  }

  private failed(op: DockerOperation, e: unknown): unknown {
    let err = e;
    if (e instanceof BrokenCircuitError || e instanceof IsolatedCircuitError) {
      const last = this.breaker.lastFailure;
      const cause = last && 'error' in last ? `: ${(last.error as Error).message}` : '';
      err = new DaemonUnavailableError(
        this.daemon,
        `daemon "${this.daemon}" unavailable: circuit breaker open after ${this.options.breakerThreshold} consecutive failures${cause}`,
      );
    } else if (e instanceof BulkheadRejectedError) {
      this.metrics?.bulkheadRejected.inc({ daemon: this.daemon });
      err = new DaemonUnavailableError(
        this.daemon,
        `daemon "${this.daemon}" unavailable: ${this.options.bulkheadLimit} calls in flight and ${this.options.bulkheadQueue} queued`,
      );
    }
    const reason = (err as { reason?: unknown })?.reason;
    this.metrics?.requestErrors.inc({
      daemon: this.daemon,
      operation: op,
      reason:
        typeof reason === 'string' ? reason : (err as Error)?.name === 'AbortError' ? 'Aborted' : 'Unknown',
    });
    return err;
  }

  private histogram(op: DockerOperation): { observe(v: number): void } {
    let h = this.durations.get(op);
    if (!h) {
      if (!this.metrics) return noopHistogram;
      h = this.metrics.requestDuration.labels({ daemon: this.daemon, operation: op });
      this.durations.set(op, h);
    }
    return h;
  }
}

const noopHistogram = { observe(_v: number): void {} };

function stateName(s: CircuitState): BreakerStateName {
  switch (s) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'halfOpen';
    default:
      return 'open';
  }
}
