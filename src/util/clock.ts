/**
 * Time as a parameter.
 *
 * Decision code (schedule math, the timer wheel, reconcile decisions) never reads the real clock:
 * it takes a `Clock`. Only the outermost drivers pass `systemClock`; tests pass a fake.
 */

/** An opaque handle for a timer armed through a Clock. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Arm a one-shot timer. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending schedule must never keep the process alive on its own: shutdown decides that.
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
