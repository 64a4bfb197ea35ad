/**
 * The guard in front of one daemon: cockatiel's circuit breaker (consecutive faults) and bulkhead
 * (bounded concurrency and a bounded queue), plus the per-call metrics.
 *
 * Only daemon faults (transport errors, timeouts, 5xx: `isDaemonFault`, cockatiel's `handleWhen`)
 * count toward the breaker. A 4xx answer (404, 409 ...) is the daemon working: it must count as a
 * success (reset the fault count, close a half-open breaker). cockatiel counts a *thrown* error
 * its policy does not handle as neither, so inside the breaker such an answer is carried as a
 * returned value (`AnsweredError`) and re-thrown outside it. Other errors that are not the daemon's
 * (the caller's AbortError) leave the count alone.
 * While the breaker is open, or the bulkhead and its queue are full, calls fail at once with
 * DaemonUnavailableError: nothing waits without bound. While half-open, one trial call goes to the
 * daemon and the others wait for its outcome (cockatiel), bounded by the trial's own deadlines.
 * cockatiel moves Open -> HalfOpen lazily, on the first call after `halfOpenAfter` (real time).
 *
 * Per call: cockatiel's breaker and bulkhead `execute` called directly (no `wrap`, whose context
 * spreads cost more), one `.catch` to carry 4xx answers and one `.then` for metrics — no async
 * wrapper of our own. State changes are logged and exported from cockatiel's typed events.
 */
import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import type { Logger } from '../log/logger.ts';
import type { BreakerStateName, DockerMetrics, DockerOperation } from '../metrics/docker-metrics.ts';
import { DaemonUnavailableError, DockerApiError, isDaemonFault } from './errors.ts';

export interface GuardOptions {
  breakerThreshold: number;
  halfOpenAfterMs: number;
  bulkheadLimit: number;
  bulkheadQueue: number;
}

/** What counts toward the breaker: the daemon is unwell (transport, timeout, 5xx). */
export const isBreakerFailure = (e: Error): boolean => isDaemonFault(e);

/** A daemon's error answer (4xx) carried through the breaker as a success. */
class AnsweredError {
  constructor(readonly error: DockerApiError) {}
}

function carryAnswer(e: unknown): AnsweredError {
  if (e instanceof DockerApiError && !isDaemonFault(e)) return new AnsweredError(e);
  throw e;
}

const STATE_NAME: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'halfOpen',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

interface Observer {
  observe(seconds: number): void;
}
const noopObserver: Observer = { observe(_seconds: number): void {} };

export class DaemonGuard {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly durations = new Map<DockerOperation, Observer>();

  constructor(
    readonly daemon: string,
    private readonly options: GuardOptions,
    log: Logger,
    private readonly metrics?: DockerMetrics,
  ) {
    this.breaker = circuitBreaker(handleWhen(isBreakerFailure), {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold),
    });
    this.bulkhead = bulkhead(options.bulkheadLimit, options.bulkheadQueue);

    metrics?.breakerState.set({ daemon }, 0);
    this.breaker.onBreak((reason) => {
      const error = 'error' in reason ? reason.error : undefined;
      log.warn({ daemon, state: 'open', lastError: error?.message }, 'docker breaker state changed');
    });
    this.breaker.onHalfOpen(() => log.info({ daemon, state: 'halfOpen' }, 'docker breaker state changed'));
    this.breaker.onReset(() => log.info({ daemon, state: 'closed' }, 'docker breaker state changed'));
    this.breaker.onStateChange((state) => metrics?.setBreakerState(daemon, STATE_NAME[state]));
    this.bulkhead.onReject(() => metrics?.bulkheadRejected.inc({ daemon }));
  }

  get state(): BreakerStateName {
    return STATE_NAME[this.breaker.state];
  }

  /** Calls waiting for a bulkhead slot. */
  get queued(): number {
    return this.options.bulkheadQueue - this.bulkhead.queueSlots;
  }

  /** Runs `fn` under the breaker and the bulkhead, timing it under `op`. */
  execute<T>(op: DockerOperation, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const bulk = this.bulkhead;
    // The breaker wraps the bulkhead, so a half-open trial always finds room: the call that opened
    // the breaker freed its slot (or let a queued call take it, freeing a queue place), and while
    // open no call enters the bulkhead.
    return this.breaker
      .execute(() => bulk.execute(() => fn().catch(carryAnswer)))
      .then(
        (value) => {
          if (value instanceof AnsweredError) throw this.failed(op, value.error);
          this.histogram(op).observe((performance.now() - started) / 1000);
          return value as T;
        },
        (e: unknown) => {
          throw this.failed(op, e);
        },
      );
  }

  /** Maps a refusal onto DaemonUnavailableError and counts the failure. */
  private failed(op: DockerOperation, e: unknown): unknown {
    let err = e;
    if (e instanceof BrokenCircuitError) {
      const last = this.breaker.lastFailure;
      const error = last && 'error' in last ? last.error : undefined;
      err = new DaemonUnavailableError(
        this.daemon,
        `daemon "${this.daemon}" unavailable: circuit breaker open after ${this.options.breakerThreshold} consecutive failures${error ? `: ${error.message}` : ''}`,
      );
    } else if (e instanceof BulkheadRejectedError) {
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

  /** The histogram child of (this daemon, op), bound once: prom-client's labels() is not free. */
  private histogram(op: DockerOperation): Observer {
    let h = this.durations.get(op);
    if (!h) {
      h = this.metrics
        ? this.metrics.requestDuration.labels({ daemon: this.daemon, operation: op })
        : noopObserver;
      this.durations.set(op, h);
    }
    return h;
  }
}
