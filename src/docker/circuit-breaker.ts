/**
 * A consecutive-failure circuit breaker as a plain state machine (no promises on the hot path).
 *
 * closed --(N consecutive faults)--> open --(halfOpenAfterMs passed, next call)--> halfOpen
 * halfOpen --(the one trial call succeeds)--> closed;  halfOpen --(the trial faults)--> open
 *
 * It only records what the caller tells it (`record(fault, error, trial)`): deciding what is a
 * fault (transport, timeout, 5xx) is DaemonGuard's job. Time comes from a Clock, so tests can
 * drive the half-open wait. Same semantics as cockatiel's ConsecutiveBreaker, which this replaces
 * on the per-call path because its four nested async layers cost more than the rest of the guard.
 */
import type { BreakerStateName } from '../metrics/docker-metrics.ts';
import type { Clock } from '../util/clock.ts';

export class ConsecutiveCircuitBreaker {
  private current: BreakerStateName = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialDone: Promise<void> | undefined;
  /** The last daemon fault recorded (for messages while open). */
  lastFailure: unknown;

  constructor(
    private readonly threshold: number,
    private readonly halfOpenAfterMs: number,
    private readonly clock: Clock,
    private readonly onStateChange: (state: BreakerStateName) => void,
  ) {}

  get state(): BreakerStateName {
    return this.current;
  }

  /** Settles (never rejects) when the half-open trial call has been recorded. */
  get trialSettled(): Promise<void> {
    return this.trialDone ?? Promise.resolve();
  }

  /**
   * While open: whether the half-open wait has passed. If so the breaker is now half-open and the
   * caller's call is the trial (hand its promise to `trialStarted`).
   */
  tryHalfOpen(): boolean {
    if (this.current !== 'open' || this.clock.now() - this.openedAt < this.halfOpenAfterMs) return false;
    this.transition('halfOpen');
    return true;
  }

  trialStarted(call: Promise<unknown>): void {
    this.trialDone = call.then(ignore, ignore);
  }

  /** The trial never reached the daemon (the bulkhead refused it): open again, try on the next call. */
  trialNotRun(): void {
    if (this.current === 'halfOpen') this.transition('open', this.openedAt);
  }

  /** The outcome of one call that reached the daemon. */
  record(fault: boolean, error: unknown, trial: boolean): void {
    if (fault) this.lastFailure = error;
    if (trial) {
      if (fault) this.transition('open');
      else this.transition('closed');
      return;
    }
    if (!fault) {
      this.failures = 0;
    } else if (this.current === 'closed' && ++this.failures >= this.threshold) {
      this.transition('open');
    }
  }

  private transition(to: BreakerStateName, openedAt = this.clock.now()): void {
    this.failures = 0;
    if (to === 'open') this.openedAt = openedAt;
    if (to !== 'halfOpen') this.trialDone = undefined;
    if (this.current === to) return;
    this.current = to;
    this.onStateChange(to);
  }
}

function ignore(): void {}
