/**
 * Deadlines for in-flight requests without a timer per request.
 *
 * A request registers an entry (its start time and what it waits for); one sweep timer, armed only
 * while entries exist, checks every entry each `intervalMs` and expires the late ones. Cost per
 * call: a Set insert and delete. Precision: a deadline fires up to `intervalMs` late, which is
 * fine for second-scale timeouts.
 */
import type { Clock, TimerHandle } from '../util/clock.ts';

export type DeadlinePhase = 'connect' | 'headers' | 'request';

export interface DeadlineEntry {
  /** Clock time when the request started. */
  readonly start: number;
  /** True while the socket is still connecting. */
  connecting(): boolean;
  /** True once response headers have arrived. */
  headersReceived: boolean;
  /** Whether the whole request (body included) is bounded by the request timeout. */
  readonly boundBody: boolean;
  /**
   * A call in which the daemon changes a container before it answers (create, start, stop,
   * kill, remove): its answer and its whole request get `containerCallTimeoutMs` instead.
   */
  readonly changesContainer: boolean;
  /** Called once when a deadline passes; the entry is removed first. */
  expire(phase: DeadlinePhase, timeoutMs: number): void;
}

export interface DeadlineLimits {
  connectTimeoutMs: number;
  headerTimeoutMs: number;
  requestTimeoutMs: number;
  /**
   * Headers and whole answer of a call that changes a container. Longer than the header timeout:
   * a daemon busy starting dozens of containers takes seconds per start, and giving up early
   * leaves the work done on the daemon but not recorded here.
   */
  containerCallTimeoutMs: number;
}

export class DeadlineSweeper {
  private readonly entries = new Set<DeadlineEntry>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly limits: DeadlineLimits,
    private readonly intervalMs = 100,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(entry: DeadlineEntry): void {
    this.entries.add(entry);
    if (this.timer === undefined) this.arm();
  }

  delete(entry: DeadlineEntry): void {
    this.entries.delete(entry);
  }

  /** Checks every entry now (the timer calls this; tests may too). */
  sweep(): void {
    const now = this.clock.now();
    const { connectTimeoutMs, containerCallTimeoutMs } = this.limits;
    for (const e of this.entries) {
      const age = now - e.start;
      const headerTimeoutMs = e.changesContainer ? containerCallTimeoutMs : this.limits.headerTimeoutMs;
      const requestTimeoutMs = e.changesContainer ? containerCallTimeoutMs : this.limits.requestTimeoutMs;
      let phase: DeadlinePhase | undefined;
      let limit = 0;
      if (age >= connectTimeoutMs && e.connecting()) {
        phase = 'connect';
        limit = connectTimeoutMs;
      } else if (age >= headerTimeoutMs && !e.headersReceived) {
        phase = 'headers';
        limit = headerTimeoutMs;
      } else if (age >= requestTimeoutMs && e.boundBody) {
        phase = 'request';
        limit = requestTimeoutMs;
      }
      if (phase) {
        this.entries.delete(e);
        e.expire(phase, limit);
      }
    }
  }

  /** Stops the timer (entries left are no longer watched). */
  close(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.entries.clear();
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.sweep();
      if (this.entries.size > 0) this.arm();
    }, this.intervalMs);
  }
}
