/**
 * WheelDriver: runs a TimerWheel on a Clock with exactly one real timer.
 *
 * - The one timer is armed for the wheel's `nextDue()`; with nothing armed, no timer exists, so
 *   an idle operator never wakes up. Adding an entry that makes the wheel's next work earlier
 *   (an earlier due time, or a slot grown big enough to drain ahead) re-arms; cancelling only
 *   disarms when the wheel becomes empty (a wake-up with nothing due just re-arms for the next
 *   one).
 * - One wake-up serves everything due by then: entries due in the same millisecond, or already
 *   due when the timer fires, are delivered by the same callback (one timer per wake-up, not
 *   per entry), and the wheel's bounded drain work rides along.
 * - Delays longer than `maxTimerDelayMs` (default 2^31-1, Node's setTimeout limit) are capped:
 *   the driver wakes up, finds nothing due and re-arms for the rest.
 * - On wake-up it advances the wheel to `clock.now()` and calls `onDue(value, dueMs)` for each due
 *   entry in due order. `onDue` may schedule and cancel (re-arming waits until the batch is done);
 *   an `onDue` that throws is reported to `onError` and does not stop the batch.
 * - Clock jumps: forwards, the next wake-up fires everything now due; backwards, nothing fires
 *   before its absolute due time (the wheel re-places its entries).
 * - `stop()` disarms the timer for good: nothing fires afterwards, including the rest of a batch
 *   in progress. Entries can still be added and cancelled (they never fire).
 */
import type { Clock, TimerHandle } from '../util/clock.ts';
import { TimerWheel, type TimerWheelOptions, type WheelTimer } from './timer-wheel.ts';

/** Node clamps setTimeout delays above this to 1 ms, so longer waits are done in pieces. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface WheelDriverOptions<T> extends TimerWheelOptions {
  /** Longest single timer; defaults to MAX_TIMER_DELAY_MS. */
  readonly maxTimerDelayMs?: number;
  /** Called when `onDue` throws; the default rethrows on a fresh stack so it is not swallowed. */
  readonly onError?: (error: unknown, value: T) => void;
}

export class WheelDriver<T> {
  private readonly clock: Clock;
  private readonly onDue: (value: T, dueMs: number) => void;
  private readonly onError: (error: unknown, value: T) => void;
  private readonly maxDelayMs: number;
  private readonly wheel: TimerWheel<T>;
  private timer: TimerHandle | undefined;
  /** When the armed timer fires (epoch ms), or undefined when none is armed. */
  private wakeAt: number | undefined;
  private firing = false;
  private stopped = false;
  private wakeUps = 0;

  constructor(clock: Clock, onDue: (value: T, dueMs: number) => void, options: WheelDriverOptions<T> = {}) {
    this.clock = clock;
    this.onDue = onDue;
    this.onError =
      options.onError ??
      ((error) => {
        queueMicrotask(() => {
          throw error;
        });
      });
    this.maxDelayMs = Math.max(
      1,
      Math.min(options.maxTimerDelayMs ?? MAX_TIMER_DELAY_MS, MAX_TIMER_DELAY_MS),
    );
    this.wheel = new TimerWheel<T>(clock.now(), options);
  }

  /** Armed entries. */
  get size(): number {
    return this.wheel.size;
  }

  /** When the real timer is set to fire, or undefined if none is armed. */
  get armedFor(): number | undefined {
    return this.wakeAt;
  }

  /** Entries the wheel has moved between levels so far (for benchmarks and metrics). */
  get wheelMoves(): number {
    return this.wheel.moves;
  }

  /** How many times the real timer has fired (for tests and metrics). */
  get timerFirings(): number {
    return this.wakeUps;
  }

  schedule(dueMs: number, value: T): WheelTimer<T> {
    const timer = this.wheel.add(dueMs, value);
    if (this.firing || this.stopped) return timer;
    // Usually the entry's due time; earlier when the add made a slot big enough to drain ahead.
    // A timer already armed for "now" (something overdue) is not re-armed for every add.
    const next = this.wheel.nextDue();
    if (next === undefined) return timer;
    if (this.wakeAt === undefined || Math.max(next, this.clock.now()) < this.wakeAt) this.arm();
    return timer;
  }

  /** Returns false if the entry already fired or was cancelled. */
  cancel(timer: WheelTimer<T>): boolean {
    const cancelled = this.wheel.cancel(timer);
    // With nothing left there is nothing to wake up for; otherwise a spare wake-up is harmless.
    if (cancelled && this.wheel.size === 0 && !this.firing) this.disarm();
    return cancelled;
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  private arm(): void {
    if (this.stopped || this.firing) return;
    const due = this.wheel.nextDue();
    if (due === undefined) {
      this.disarm();
      return;
    }
    const now = this.clock.now();
    const delay = Math.min(Math.max(0, due - now), this.maxDelayMs);
    const wakeAt = now + delay;
    if (this.timer !== undefined && this.wakeAt === wakeAt) return;
    this.disarm();
    this.wakeAt = wakeAt;
    this.timer = this.clock.setTimeout(this.onTimer, delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = undefined;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.wakeAt = undefined;
    this.wakeUps++;
    if (this.stopped) return;
    this.firing = true;
    try {
      this.wheel.advance(this.clock.now(), this.deliver);
    } finally {
      this.firing = false;
    }
    this.arm();
  };

  private readonly deliver = (timer: WheelTimer<T>): void => {
    if (this.stopped) return;
    try {
      this.onDue(timer.value, timer.due);
    } catch (error) {
      this.onError(error, timer.value);
    }
  };
}
