/**
 * A hierarchical timing wheel with 1 ms resolution (pure: time comes in as `nowMs`).
 *
 * Eight levels of 64 slots: level L slot s covers 64^L ms, so the wheel spans 64^8 ms (~8,900
 * years) and every epoch-millisecond due time up to MAX_DUE_MS has a place. An entry sits at the
 * lowest level whose slot separates its due time from the wheel's time; as time reaches that
 * slot the entry cascades to a lower level, and at level 0 it fires at its exact millisecond.
 *
 * - `add` and `cancel` are O(1) (doubly linked slot lists, a 64-bit occupancy mask per level).
 *   Cancelling an entry that already fired or was cancelled is a harmless no-op.
 * - `advance(nowMs, visit)` visits every entry due at or before nowMs in due order (1 ms
 *   resolution; entries due in the same millisecond in no promised order). An entry added
 *   already due (even from inside `visit`) is visited in the same call, before later ones.
 * - `nextDue()` is when the wheel next has work: the exact due time if it is a level-0 entry,
 *   else the start of the next occupied higher-level slot (a lower bound, where a cascade
 *   happens). Arm one timer for it; nothing needs to tick in between.
 * - Clock jumps: forwards, `advance` visits everything due, skipping empty time in O(levels) per
 *   occupied slot, never per millisecond. Backwards, the wheel re-places its entries relative to
 *   the earlier time (O(n), rare), so nothing fires before its absolute due time.
 */

const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const LEVELS = 8;
/** SPAN[L] = 64^L: the milliseconds one slot of level L covers (SPAN[LEVELS] = the wheel). */
const SPAN: readonly number[] = Array.from({ length: LEVELS + 1 }, (_, level) => SLOTS ** level);
export const MAX_DUE_MS = (SPAN[LEVELS] as number) - 1;

/** `list` values for entries not in a slot. */
const DETACHED = -1;
const OVERDUE = -2;

/** The handle `add` returns: pass it to `cancel`. */
export interface WheelTimer<T> {
  /** Absolute due time, epoch ms, as given to `add`. */
  readonly due: number;
  readonly value: T;
  /** True until the entry fires or is cancelled. */
  readonly armed: boolean;
}

class Entry<T> implements WheelTimer<T> {
  readonly due: number;
  readonly value: T;
  next: Entry<T> | null = null;
  prev: Entry<T> | null = null;
  /** Slot index (level * 64 + slot), OVERDUE, or DETACHED. */
  list: number = DETACHED;

  constructor(due: number, value: T) {
    this.due = due;
    this.value = value;
  }

  get armed(): boolean {
    return this.list !== DETACHED;
  }
}

export class TimerWheel<T> {
  /** Wheel time: every entry due at or before it has fired or sits in the overdue list. */
  private elapsed: number;
  private readonly heads: (Entry<T> | null)[] = new Array(LEVELS * SLOTS).fill(null);
  private readonly tails: (Entry<T> | null)[] = new Array(LEVELS * SLOTS).fill(null);
  /** Occupancy bits per level: slots 0-31 and 32-63. */
  private readonly occupiedLow: number[] = new Array(LEVELS).fill(0);
  private readonly occupiedHigh: number[] = new Array(LEVELS).fill(0);
  private overdueHead: Entry<T> | null = null;
  private overdueTail: Entry<T> | null = null;
  /** Lower bound of the overdue entries' due times (may be stale after a cancel: early, never late). */
  private overdueMin = Number.POSITIVE_INFINITY;
  private count = 0;

  constructor(startMs = 0) {
    this.elapsed = Math.floor(startMs);
  }

  /** Number of armed entries. */
  get size(): number {
    return this.count;
  }

  /** The wheel's time: the last `nowMs` it advanced to (or the start). */
  get time(): number {
    return this.elapsed;
  }

  add(dueMs: number, value: T): WheelTimer<T> {
    if (!Number.isFinite(dueMs) || dueMs > MAX_DUE_MS) {
      throw new RangeError(`due time ${dueMs} is outside the wheel (finite, at most ${MAX_DUE_MS})`);
    }
    const entry = new Entry(dueMs, value);
    this.place(entry);
    this.count++;
    return entry;
  }

  /** Remove an armed entry. Returns false (and does nothing) if it already fired or was cancelled. */
  cancel(timer: WheelTimer<T>): boolean {
    const entry = timer as Entry<T>;
    if (entry.list === DETACHED) return false;
    this.unlink(entry);
    this.count--;
    return true;
  }

  /** When the wheel next has work (see the header), or undefined when empty. */
  nextDue(): number | undefined {
    if (this.overdueHead !== null) return this.overdueMin;
    const found = this.nextSlot();
    return found < 0 ? undefined : this.slotStart(found);
  }

  /**
   * Visit every entry due at or before `nowMs`, in due order; returns how many were visited.
   * Visited entries are removed before `visit` sees them, so `visit` may add or cancel freely.
   */
  advance(nowMs: number, visit?: (timer: WheelTimer<T>) => void): number {
    const now = Math.min(Math.floor(nowMs), MAX_DUE_MS);
    if (now < this.elapsed) this.rebase(now);
    let visited = 0;
    for (;;) {
      const due = this.overdueHead;
      if (due !== null) {
        this.unlink(due);
        this.count--;
        visited++;
        visit?.(due);
        continue;
      }
      const found = this.nextSlot();
      if (found < 0) break;
      const start = this.slotStart(found);
      if (start > now) break;
      this.elapsed = start;
      this.cascade(found);
    }
    if (now > this.elapsed) this.elapsed = now;
    return visited;
  }

  // ---- placement ------------------------------------------------------------------------------

  private place(entry: Entry<T>): void {
    const at = Math.ceil(entry.due);
    if (at <= this.elapsed) {
      this.appendOverdue(entry);
      return;
    }
    let level = 0;
    // The lowest level above which `at` and the wheel time agree.
    while (
      level < LEVELS - 1 &&
      Math.floor(at / SPAN[level + 1]!) !== Math.floor(this.elapsed / SPAN[level + 1]!)
    ) {
      level++;
    }
    const slot = Math.floor(at / SPAN[level]!) % SLOTS;
    this.appendToSlot(level * SLOTS + slot, entry);
  }

  /** Empty a slot and re-place its entries relative to the (just advanced) wheel time. */
  private cascade(index: number): void {
    let entry = this.heads[index] ?? null;
    this.heads[index] = null;
    this.tails[index] = null;
    this.clearBit(index);
    while (entry !== null) {
      const following: Entry<T> | null = entry.next;
      entry.next = null;
      entry.prev = null;
      entry.list = DETACHED;
      this.place(entry);
      entry = following;
    }
  }

  /** After the clock went backwards: re-place everything relative to the earlier time. */
  private rebase(now: number): void {
    const all: Entry<T>[] = [];
    for (let entry = this.overdueHead; entry !== null; entry = entry.next) all.push(entry);
    for (let index = 0; index < LEVELS * SLOTS; index++) {
      for (let entry = this.heads[index] ?? null; entry !== null; entry = entry.next) all.push(entry);
      this.heads[index] = null;
      this.tails[index] = null;
    }
    this.occupiedLow.fill(0);
    this.occupiedHigh.fill(0);
    this.overdueHead = null;
    this.overdueTail = null;
    this.overdueMin = Number.POSITIVE_INFINITY;
    this.elapsed = now;
    for (const entry of all) {
      entry.next = null;
      entry.prev = null;
      entry.list = DETACHED;
      this.place(entry);
    }
  }

  // ---- slot search ------------------------------------------------------------------------------

  /** Index of the earliest occupied slot, or -1. Lower levels always come due first. */
  private nextSlot(): number {
    for (let level = 0; level < LEVELS; level++) {
      const current = Math.floor(this.elapsed / SPAN[level]!) % SLOTS;
      const slot = lowestSetFrom(this.occupiedLow[level]!, this.occupiedHigh[level]!, current);
      if (slot >= 0) return level * SLOTS + slot;
    }
    return -1;
  }

  private slotStart(index: number): number {
    const level = index >> SLOT_BITS;
    const slot = index & (SLOTS - 1);
    const above = SPAN[level + 1]!;
    return Math.floor(this.elapsed / above) * above + slot * SPAN[level]!;
  }

  // ---- lists ------------------------------------------------------------------------------------

  private appendToSlot(index: number, entry: Entry<T>): void {
    entry.list = index;
    const tail = this.tails[index] ?? null;
    entry.prev = tail;
    entry.next = null;
    if (tail === null) {
      this.heads[index] = entry;
      this.setBit(index);
    } else {
      tail.next = entry;
    }
    this.tails[index] = entry;
  }

  private appendOverdue(entry: Entry<T>): void {
    entry.list = OVERDUE;
    entry.prev = this.overdueTail;
    entry.next = null;
    if (this.overdueTail === null) this.overdueHead = entry;
    else this.overdueTail.next = entry;
    this.overdueTail = entry;
    if (entry.due < this.overdueMin) this.overdueMin = entry.due;
  }

  private unlink(entry: Entry<T>): void {
    const { prev, next, list } = entry;
    if (list === OVERDUE) {
      if (prev === null) this.overdueHead = next;
      else prev.next = next;
      if (next === null) this.overdueTail = prev;
      else next.prev = prev;
      if (this.overdueHead === null) this.overdueMin = Number.POSITIVE_INFINITY;
    } else {
      if (prev === null) this.heads[list] = next;
      else prev.next = next;
      if (next === null) this.tails[list] = prev;
      else next.prev = prev;
      if (this.heads[list] === null) this.clearBit(list);
    }
    entry.prev = null;
    entry.next = null;
    entry.list = DETACHED;
  }

  private setBit(index: number): void {
    const level = index >> SLOT_BITS;
    const slot = index & (SLOTS - 1);
    if (slot < 32) this.occupiedLow[level]! |= 1 << slot;
    else this.occupiedHigh[level]! |= 1 << (slot - 32);
  }

  private clearBit(index: number): void {
    const level = index >> SLOT_BITS;
    const slot = index & (SLOTS - 1);
    if (slot < 32) this.occupiedLow[level]! &= ~(1 << slot);
    else this.occupiedHigh[level]! &= ~(1 << (slot - 32));
  }
}

/** Lowest set bit at position >= from in the 64-bit mask (low, high), or -1. */
function lowestSetFrom(low: number, high: number, from: number): number {
  if (from < 32) {
    const masked = low & (-1 << from);
    if (masked !== 0) return trailingZeros(masked);
    const upper = high;
    return upper !== 0 ? 32 + trailingZeros(upper) : -1;
  }
  const masked = high & (-1 << (from - 32));
  return masked !== 0 ? 32 + trailingZeros(masked) : -1;
}

function trailingZeros(value: number): number {
  return 31 - Math.clz32(value & -value);
}
