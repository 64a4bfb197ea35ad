/**
 * Event-loop liveness for /healthz. A stalled loop cannot answer at all, so a probe that times
 * out already says "stalled"; this watchdog also catches the loop that stalls and recovers, which
 * a probe would miss: it keeps the worst loop delay of the current and the previous window
 * (perf_hooks.monitorEventLoopDelay) and fails while that stays over the threshold.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Checker } from './checker.ts';

export interface EventLoopWatchdogOptions {
  /** Worst tolerated loop delay, milliseconds. */
  stallThresholdMs: number;
  /** How long a stall stays reported, milliseconds (the window length). */
  windowMs?: number;
}

export class EventLoopWatchdog implements Checker {
  readonly name = 'event-loop';
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private previousWindowMaxMs = 0;
  private readonly thresholdMs: number;

  constructor(opts: EventLoopWatchdogOptions) {
    this.thresholdMs = opts.stallThresholdMs;
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), opts.windowMs ?? 10_000);
    this.timer.unref();
  }

  /** The worst delay seen in the current and previous windows, milliseconds. */
  worstDelayMs(): number {
    return Math.max(this.previousWindowMaxMs, this.histogram.max / 1e6);
  }

  check(): void {
    const worst = this.worstDelayMs();
    if (worst > this.thresholdMs) {
      throw new Error(`event loop stalled: ${Math.round(worst)} ms delay (threshold ${this.thresholdMs} ms)`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private rotate(): void {
    this.previousWindowMaxMs = this.histogram.max / 1e6;
    this.histogram.reset();
  }
}
