/**
 * wheel: when to wake up, for any number of timers, with one real timer.
 *
 * Contract
 * - `TimerWheel` (pure): a hierarchical timing wheel at 1 ms resolution over absolute epoch-ms due
 *   times. O(1) add and cancel (cancel of a fired or cancelled entry is a no-op), `advance(nowMs)`
 *   visits due entries in due order, `nextDue()` says when to wake up next. It never reads a clock.
 *   Bounded work: woken when `nextDue()` asks, one `advance` moves at most K entries between levels
 *   (default 1,024), however many are armed: big slots are drained ahead of time, not at once.
 * - `WheelDriver`: the only part that touches time, through an injected `Clock`. It keeps exactly
 *   one timer armed for the wheel's next due slot (none while idle), caps delays at Node's
 *   setTimeout limit, delivers due entries to one callback, tolerates callbacks that add or cancel
 *   entries, and can be stopped.
 * - Never: fires an entry before its due time, fires an entry twice, or ticks while idle.
 * - Memory: about 80 bytes per armed entry (measured in bench/wheel.bench.ts).
 */
export {
  DEFAULT_MAX_MOVES_PER_ADVANCE,
  MAX_DUE_MS,
  TimerWheel,
  type TimerWheelOptions,
  type WheelTimer,
} from './timer-wheel.ts';
export { MAX_TIMER_DELAY_MS, WheelDriver, type WheelDriverOptions } from './wheel-driver.ts';
