/**
 * The guard in front of one daemon: a circuit breaker (consecutive faults), a bulkhead (bounded
 * concurrency and a bounded queue) and the per-call metrics.
 *
 * Only daemon faults (transport errors, timeouts, 5xx: `isDaemonFault`) count toward the breaker.
 * A 404 or a 409 is the daemon answering: it counts as a success and is re-thrown to the caller.
 * While the breaker is open, or the bulkhead and its queue are full, calls fail at once with
 * DaemonUnavailableError: nothing waits without bound. While half-open, one trial call goes to the
 * daemon and the others wait for its outcome (bounded by the trial's own deadlines).
 *
 * The per-call path is one `.then` on the caller's promise: no async wrappers, no per-call
 * allocations beyond its two callbacks, histogram children bound once per operation. (It replaced
 * cockatiel's breaker + bulkhead, whose nested async layers cost more than everything else here.)
 */
import type { Logger } from '../log/logger.ts';
import type { BreakerStateName, DockerMetrics, DockerOperation } from '../metrics/docker-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { ConsecutiveCircuitBreaker } from './circuit-breaker.ts';
import { DaemonUnavailableError, isDaemonFault } from './errors.ts';

export interface GuardOptions {
  breakerThreshold: number;
  halfOpenAfterMs: number;
  bulkheadLimit: number;
  bulkheadQueue: number;
}

interface Queued {
  op: DockerOperation;
  fn: () => Promise<unknown>;
  started: number;
  trial: boolean;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

/** Why a call never reached the daemon (mapped onto DaemonUnavailableError by `failed`). */
const BREAKER_OPEN = Symbol('breaker open');
const BULKHEAD_FULL = Symbol('bulkhead full');

interface Observer {
  observe(seconds: number): void;
}
const noopObserver: Observer = { observe(_seconds: number): void {} };

export class DaemonGuard {
  private readonly breaker: ConsecutiveCircuitBreaker;
  private readonly queue: Queued[] = [];
  private active = 0;
  private readonly durations = new Map<DockerOperation, Observer>();

  constructor(
    readonly daemon: string,
    private readonly options: GuardOptions,
    private readonly log: Logger,
    private readonly metrics?: DockerMetrics,
    clock: Clock = systemClock,
  ) {
    metrics?.breakerState.set({ daemon }, 0);
    this.breaker = new ConsecutiveCircuitBreaker(
      options.breakerThreshold,
      options.halfOpenAfterMs,
      clock,
      (state) => {
        metrics?.setBreakerState(daemon, state);
        const last = this.breaker.lastFailure;
        const lastError = last instanceof Error ? last.message : undefined;
        if (state === 'open') this.log.warn({ daemon, state, lastError }, 'docker breaker state changed');
        else this.log.info({ daemon, state }, 'docker breaker state changed');
      },
    );
  }

  get state(): BreakerStateName {
    return this.breaker.state;
  }

  /** Calls waiting for a bulkhead slot. */
  get queued(): number {
    return this.queue.length;
  }

  /** Runs `fn` under the breaker and the bulkhead, timing it under `op`. */
  execute<T>(op: DockerOperation, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    // Fast path: breaker closed, a free slot.
    if (this.breaker.state === 'closed' && this.active < this.options.bulkheadLimit) {
      return this.run(op, fn, started, false);
    }
    return this.executeSlow(op, fn, started);
  }

  private async executeSlow<T>(op: DockerOperation, fn: () => Promise<T>, started: number): Promise<T> {
    for (;;) {
      const state = this.breaker.state;
      if (state === 'closed') return this.admit(op, fn, started, false);
      if (state === 'halfOpen') {
        await this.breaker.trialSettled;
        continue;
      }
      if (!this.breaker.tryHalfOpen()) throw this.failed(op, BREAKER_OPEN);
      if (!this.hasRoom()) {
        this.breaker.trialNotRun();
        throw this.failed(op, BULKHEAD_FULL);
      }
      const trial = this.admit(op, fn, started, true);
      this.breaker.trialStarted(trial);
      return trial;
    }
  }

  private hasRoom(): boolean {
    return this.active < this.options.bulkheadLimit || this.queue.length < this.options.bulkheadQueue;
  }

  /** Runs now if a slot is free, else queues (bounded), else refuses. */
  private admit<T>(op: DockerOperation, fn: () => Promise<T>, started: number, trial: boolean): Promise<T> {
    if (this.active < this.options.bulkheadLimit) return this.run(op, fn, started, trial);
    if (this.queue.length < this.options.bulkheadQueue) {
      return new Promise<T>((resolve, reject) => {
        this.queue.push({ op, fn, started, trial, resolve: resolve as (v: unknown) => void, reject });
      });
    }
    return Promise.reject(this.failed(op, BULKHEAD_FULL));
  }

  private run<T>(op: DockerOperation, fn: () => Promise<T>, started: number, trial: boolean): Promise<T> {
    this.active++;
    let call: Promise<T>;
    try {
      call = fn();
    } catch (e) {
      call = Promise.reject(e);
    }
    return call.then(
      (value) => {
        this.settle(false, undefined, trial);
        this.histogram(op).observe((performance.now() - started) / 1000);
        return value;
      },
      (e: unknown) => {
        this.settle(isDaemonFault(e), e, trial);
        throw this.failed(op, e);
      },
    );
  }

  private settle(fault: boolean, error: unknown, trial: boolean): void {
    this.active--;
    this.breaker.record(fault, error, trial);
    const next = this.queue.shift();
    if (next) this.run(next.op, next.fn, next.started, next.trial).then(next.resolve, next.reject);
  }

  private failed(op: DockerOperation, e: unknown): unknown {
    let err = e;
    if (e === BREAKER_OPEN) {
      const last = this.breaker.lastFailure;
      const cause = last instanceof Error ? `: ${last.message}` : '';
      err = new DaemonUnavailableError(
        this.daemon,
        `daemon "${this.daemon}" unavailable: circuit breaker open after ${this.options.breakerThreshold} consecutive failures${cause}`,
      );
    } else if (e === BULKHEAD_FULL) {
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
