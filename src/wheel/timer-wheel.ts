/**
 * A hierarchical timing wheel with 1 ms resolution (pure: time comes in as `nowMs`).
 *
 * Eight levels; a slot of level L covers 64^L ms, so the wheel spans 64^8 ms (~8,900 years) and
 * every epoch-millisecond due time up to MAX_DUE_MS has a place. Each level is a ring of 128
 * slots sliding with the wheel's time: it holds the 127 level-L slots that follow the current
 * one. An entry sits at the lowest level whose ring reaches its due time; at level 0 it fires at
 * its exact millisecond.
 *
 * Why 128 and not 64: a ring of 128 always reaches the whole of the *next* slot of the level
 * above. So the entries of that next slot can move down ahead of time, a bounded number per
 * `advance` ("draining"), instead of all at once when the slot comes due (a cascade of up to
 * every armed entry, ~9 ms at 100,000). See docs/adr/0002-timer-wheel.md.
 *
 * - `add` and `cancel` are O(1) (doubly linked slot lists, a 128-bit occupancy mask per level).
 *   Cancelling an entry that already fired or was cancelled is a harmless no-op.
 * - `advance(nowMs, visit)` visits every entry due at or before nowMs in due order (1 ms
 *   resolution; entries due in the same millisecond in no promised order). An entry added
 *   already due (even from inside `visit`) is visited in the same call, before later ones.
 * - Bounded work: each `advance` moves at most `maxMovesPerAdvance` (K) entries between levels,
 *   as long as it is called when `nextDue()` asks and, on average, no more than ~K/2 entries
 *   fall due per millisecond. Slots holding more than K/16 entries are drained before they come
 *   due (`nextDue()` asks for the wake-ups that needs); smaller ones cascade when due, and even
 *   all seven levels' at once stay under K. Visiting due entries is not bounded (they are due).
 *   A clock stepping backwards re-places every entry (O(n), rare); a step forwards does whatever
 *   fell due in between.
 * - `nextDue()` is when the wheel next has work: the exact due time if it is a level-0 entry,
 *   else the start of a higher-level slot (a cascade) or a time to drain one (always before the
 *   entries' due times: a lower bound). Arm one timer for it; nothing needs to tick in between.
 * - Clock jumps: forwards, `advance` visits everything due, skipping empty time in O(levels) per
 *   occupied slot, never per millisecond. Backwards, the wheel re-places its entries relative to
 *   the earlier time (O(n), rare), so nothing fires before its absolute due time.
 */

const SLOT_BITS = 6;
/** One slot of level L+1 covers FANOUT slots of level L. */
const FANOUT = 1 << SLOT_BITS;
/** Slots per level: the current slot plus the 127 after it, i.e. always all of the next upper slot. */
const RING = 2 * FANOUT;
const WORDS_PER_RING = RING / 32;
const LEVELS = 8;
/** SPAN[L] = 64^L: the milliseconds one slot of level L covers (SPAN[LEVELS] = the wheel). */
const SPAN: readonly number[] = Array.from({ length: LEVELS + 1 }, (_, level) => FANOUT ** level);
export const MAX_DUE_MS = (SPAN[LEVELS] as number) - 1;
/** ~0.1 ms of moves on a 2020s core. */
export const DEFAULT_MAX_MOVES_PER_ADVANCE = 1024;

/** `list` values for entries not in a slot. */
const DETACHED = -1;
const OVERDUE = -2;

export interface TimerWheelOptions {
  /**
   * K: the most entries one `advance` moves between levels (see the header for when this holds).
   * At least 16.
   */
  readonly maxMovesPerAdvance?: number;
}

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
  /** Slot index (level * RING + slot), OVERDUE, or DETACHED. */
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
  private readonly heads: (Entry<T> | null)[] = new Array(LEVELS * RING).fill(null);
  private readonly tails: (Entry<T> | null)[] = new Array(LEVELS * RING).fill(null);
  /** Entries per slot: how much draining a slot takes. */
  private readonly counts = new Int32Array(LEVELS * RING);
  /** Occupancy bits, four 32-bit words per level. */
  private readonly occupied = new Int32Array(LEVELS * WORDS_PER_RING);
  private overdueHead: Entry<T> | null = null;
  private overdueTail: Entry<T> | null = null;
  /** Lower bound of the overdue entries' due times (may be stale after a cancel: early, never late). */
  private overdueMin = Number.POSITIVE_INFINITY;
  private count = 0;
  private moved = 0;
  private readonly maxMoves: number;
  /** Slots with more entries than this are drained ahead of time (K/16: 7 levels of them < K/2). */
  private readonly smallSlot: number;
  /** Entries per drain wake-up when pacing (K/2: leaves room for cascades in the same call). */
  private readonly drainChunk: number;
  /** Start of the slot `earliestSlot` last found. */
  private foundStart = 0;
  /** Out-value of `firstOccupiedFromNow` (kept in a field so the hot path allocates nothing). */
  private slotStart = 0;

  constructor(startMs = 0, options: TimerWheelOptions = {}) {
    const maxMoves = options.maxMovesPerAdvance ?? DEFAULT_MAX_MOVES_PER_ADVANCE;
    if (!Number.isInteger(maxMoves) || maxMoves < 16) {
      throw new RangeError(`maxMovesPerAdvance ${maxMoves} must be an integer of at least 16`);
    }
    this.elapsed = Math.floor(startMs);
    this.maxMoves = maxMoves;
    this.smallSlot = Math.floor(maxMoves / 16);
    this.drainChunk = Math.floor(maxMoves / 2);
  }

  /** Number of armed entries. */
  get size(): number {
    return this.count;
  }

  /** The wheel's time: the last `nowMs` it advanced to (or the start). */
  get time(): number {
    return this.elapsed;
  }

  /** Entries moved from one level to a lower one so far (cascades and drains; for tests and metrics). */
  get moves(): number {
    return this.moved;
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
    let wake = Number.POSITIVE_INFINITY;
    for (let level = 0; level < LEVELS; level++) {
      const span = SPAN[level]!;
      const slot = this.firstOccupiedFromNow(level);
      if (slot < 0) continue;
      const start = this.slotStart;
      if (start < wake) wake = start;
      const pending = this.counts[level * RING + slot]!;
      if (level === 0 || pending <= this.smallSlot) continue;
      // A big slot: be woken when it becomes the next slot of its level (drainable), then often
      // enough to drain it a chunk at a time, finishing before it is due.
      const opens = start - span;
      let drainAt: number;
      if (opens > this.elapsed) {
        drainAt = opens;
      } else {
        const calls = Math.ceil(pending / this.drainChunk);
        drainAt = this.elapsed + Math.max(1, Math.floor((start - this.elapsed) / (calls + 1)));
      }
      if (drainAt < wake) wake = drainAt;
    }
    return wake === Number.POSITIVE_INFINITY ? undefined : wake;
  }

  /**
   * Visit every entry due at or before `nowMs`, in due order; returns how many were visited.
   * Visited entries are removed before `visit` sees them, so `visit` may add or cancel freely.
   */
  advance(nowMs: number, visit?: (timer: WheelTimer<T>) => void): number {
    const now = Math.min(Math.floor(nowMs), MAX_DUE_MS);
    if (now < this.elapsed) this.rebase(now);
    const movedBefore = this.moved;
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
      const found = this.earliestSlot();
      if (found < 0 || this.foundStart > now) break;
      this.elapsed = this.foundStart;
      this.cascade(found);
    }
    if (now > this.elapsed) this.elapsed = now;
    this.drainAhead(this.maxMoves - (this.moved - movedBefore));
    return visited;
  }

  // ---- placement ------------------------------------------------------------------------------

  /** Put an entry at the lowest level whose ring reaches its due time (or in the overdue list). */
  private place(entry: Entry<T>): void {
    const at = Math.ceil(entry.due);
    if (at <= this.elapsed) {
      this.appendOverdue(entry);
      return;
    }
    let level = 0;
    while (
      level < LEVELS - 1 &&
      Math.floor(at / SPAN[level]!) - Math.floor(this.elapsed / SPAN[level]!) >= RING
    ) {
      level++;
    }
    this.appendToSlot(level * RING + (Math.floor(at / SPAN[level]!) % RING), entry);
  }

  /** A slot came due: empty it and re-place its entries relative to the (just advanced) wheel time. */
  private cascade(index: number): void {
    let entry = this.heads[index] ?? null;
    if (index >= RING) this.moved += this.counts[index]!;
    this.heads[index] = null;
    this.tails[index] = null;
    this.counts[index] = 0;
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

  /**
   * Move up to `budget` entries down from the next slot of each level (lowest level first: it
   * is due soonest). Those entries always fit a lower ring, and never land back in a next slot.
   */
  private drainAhead(budget: number): void {
    for (let level = 1; level < LEVELS && budget > 0; level++) {
      const index = level * RING + ((Math.floor(this.elapsed / SPAN[level]!) + 1) % RING);
      for (
        let entry = this.heads[index] ?? null;
        entry !== null && budget > 0;
        entry = this.heads[index] ?? null
      ) {
        this.unlink(entry);
        this.place(entry);
        this.moved++;
        budget--;
      }
    }
  }

  /** After the clock went backwards: re-place everything relative to the earlier time. */
  private rebase(now: number): void {
    const all: Entry<T>[] = [];
    for (let entry = this.overdueHead; entry !== null; entry = entry.next) all.push(entry);
    for (let index = 0; index < LEVELS * RING; index++) {
      for (let entry = this.heads[index] ?? null; entry !== null; entry = entry.next) all.push(entry);
      this.heads[index] = null;
      this.tails[index] = null;
    }
    this.counts.fill(0);
    this.occupied.fill(0);
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

  /**
   * Index of the occupied slot that starts first (its start in `foundStart`), or -1. Rings
   * overlap in time (a level's ring reaches past the next upper slot), so every level is looked
   * at; on a tie the lower level goes first.
   */
  private earliestSlot(): number {
    let best = -1;
    let bestStart = Number.POSITIVE_INFINITY;
    for (let level = 0; level < LEVELS; level++) {
      const slot = this.firstOccupiedFromNow(level);
      if (slot < 0) continue;
      const start = this.slotStart;
      if (start < bestStart) {
        bestStart = start;
        best = level * RING + slot;
      }
    }
    this.foundStart = bestStart;
    return best;
  }

  /**
   * First occupied slot of a level from the wheel's current time on (its start in `slotStart`),
   * or -1. The current slot itself can hold entries only while advance is mid-way through this
   * instant (a lower level's slot started at the same time): then it is due now.
   */
  private firstOccupiedFromNow(level: number): number {
    const span = SPAN[level]!;
    const current = Math.floor(this.elapsed / span);
    const from = current % RING;
    const slot = this.firstOccupied(level, from);
    if (slot >= 0) this.slotStart = (current + ((slot - from + RING) % RING)) * span;
    return slot;
  }

  /** First occupied slot of a level at or after `from`, going round the ring, or -1. */
  private firstOccupied(level: number, from: number): number {
    const base = level * WORDS_PER_RING;
    const word = from >>> 5;
    const bit = from & 31;
    const first = this.occupied[base + word]! & (-1 << bit);
    if (first !== 0) return word * 32 + trailingZeros(first);
    for (let step = 1; step <= WORDS_PER_RING; step++) {
      const at = (word + step) % WORDS_PER_RING;
      let bits = this.occupied[base + at]!;
      // Back at the starting word: only the bits before `from` are left.
      if (step === WORDS_PER_RING) bits &= ~(-1 << bit);
      if (bits !== 0) return at * 32 + trailingZeros(bits);
    }
    return -1;
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
    this.counts[index]!++;
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
      this.counts[list]!--;
      if (this.heads[list] === null) this.clearBit(list);
    }
    entry.prev = null;
    entry.next = null;
    entry.list = DETACHED;
  }

  private setBit(index: number): void {
    this.occupied[index >>> 5]! |= 1 << (index & 31);
  }

  private clearBit(index: number): void {
    this.occupied[index >>> 5]! &= ~(1 << (index & 31));
  }
}

function trailingZeros(value: number): number {
  return 31 - Math.clz32(value & -value);
}
