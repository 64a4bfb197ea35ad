import type { Clock, TimerHandle } from '../../src/util/clock.ts';

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A manual clock for pure-core tests. `advance(ms)` moves time forward and fires, in due order,
 * every timer that falls due (timers armed while firing fire too if they are due). `set(t)` jumps
 * the clock (forwards or backwards) without firing anything: call `advance(0)` to fire what is due.
 * Limits: single-threaded, no promises are awaited between timers.
 */
export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private timers = new Map<number, FakeTimer>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1, 0, 0, 0)) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }

  /** Number of armed timers. */
  get pending(): number {
    return this.timers.size;
  }

  set(t: number | Date): void {
    this.t = typeof t === 'number' ? t : t.getTime();
  }

  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.timers.values()) {
        if (
          timer.at <= target &&
          (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))
        ) {
          next = timer;
        }
      }
      if (!next) break;
      this.timers.delete(next.id);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = target;
  }
}
