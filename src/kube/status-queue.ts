/**
 * The status writer's queue: which pending status change is written next. Pure (no clock, no I/O):
 * the writer passes `now` in.
 *
 * - Three priority classes, highest first:
 *   `run`     — run starts (`active[]`, `lastScheduleTime`: they guard against double runs after a
 *               restart) and run RESULTS (a finished run must reach the resource);
 *   `first`   — an object's first status (`Ready`, NEXT) after it was created;
 *   `routine` — every other refresh (NEXT moving on, counters of missed/skipped times...).
 *   A job created behind a backlog of 10,000 routine refreshes gets its first status next.
 * - Fair, not strict: a lower class that was passed over `patience` times in a row while it had an
 *   entry ready is served next (default: `first` at least 1 write in 4 against a flood of run
 *   events, `routine` 1 in 8), so no class starves.
 * - FIFO inside a class, by the time an object's entry entered the class (a change composed into
 *   a pending entry keeps its place; a promotion moves the entry to the end of the higher class).
 * - At most one entry per object (coalesced by the writer) plus the one in flight: bound = objects.
 * - An entry is `ready` (may be picked), `delayed` (retry backoff until `notBefore`) or `blocked`
 *   (a write of the same object is in flight: order per object is kept). Picking is O(1) amortised;
 *   releasing delayed entries costs a scan only when the earliest of them is due.
 */

export type StatusPriority = 'run' | 'first' | 'routine';

/** Highest first. */
export const PRIORITIES: readonly StatusPriority[] = ['run', 'first', 'routine'];

/** Passed over this many times in a row, a class with a ready entry is served next. */
export const DEFAULT_PATIENCE: Readonly<Record<StatusPriority, number>> = { run: 0, first: 3, routine: 7 };

export interface QueuedEntry {
  readonly id: string;
  priority: StatusPriority;
  /** Not written before this instant (retry backoff). */
  notBefore: number;
}

type Where = 'ready' | 'delayed' | 'blocked';

export class FairStatusQueue<E extends QueuedEntry> {
  private readonly ready: Record<StatusPriority, Map<string, E>> = {
    run: new Map(),
    first: new Map(),
    routine: new Map(),
  };
  private readonly delayed = new Map<string, E>();
  private readonly blocked = new Map<string, E>();
  private readonly where = new Map<string, Where>();
  private readonly byId = new Map<string, E>();
  private readonly inFlight = new Set<string>();
  private readonly passedOver: Record<StatusPriority, number> = { run: 0, first: 0, routine: 0 };
  private delayedEarliest = Number.POSITIVE_INFINITY;

  constructor(private readonly patience: Readonly<Record<StatusPriority, number>> = DEFAULT_PATIENCE) {}

  /** Entries not in flight. */
  get size(): number {
    return this.byId.size;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Entries not in flight, per class (ready, delayed and blocked ones). */
  sizeOf(priority: StatusPriority): number {
    let n = 0;
    for (const entry of this.byId.values()) if (entry.priority === priority) n++;
    return n;
  }

  /** The pending (not in flight) entry of an object. */
  get(id: string): E | undefined {
    return this.byId.get(id);
  }

  isInFlight(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** Add a new entry (none may be pending for its id). */
  add(entry: E, now: number): void {
    if (this.byId.has(entry.id)) throw new Error(`status queue: ${entry.id} is already queued`);
    this.byId.set(entry.id, entry);
    this.place(entry, now);
  }

  /** Raise a pending entry's class (never lowers it). */
  promote(id: string, priority: StatusPriority): void {
    const entry = this.byId.get(id);
    if (!entry || rank(priority) >= rank(entry.priority)) return;
    if (this.where.get(id) === 'ready') {
      this.ready[entry.priority].delete(id);
      this.ready[priority].set(id, entry);
    }
    entry.priority = priority;
  }

  /** Drop a pending entry (not one in flight). */
  remove(id: string): E | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.unplace(entry);
    this.byId.delete(id);
    return entry;
  }

  /**
   * The next entry to write at `now`, marked in flight (removed from the queue); undefined when
   * nothing is ready. Call `done(id)` when its write ends.
   */
  take(now: number): E | undefined {
    this.releaseDelayed(now);
    const priority = this.pickClass();
    if (!priority) return undefined;
    const map = this.ready[priority];
    const entry = map.values().next().value as E;
    this.passedOver[priority] = 0;
    for (const lower of PRIORITIES.slice(rank(priority) + 1)) {
      if (this.ready[lower].size > 0) this.passedOver[lower]++;
    }
    map.delete(entry.id);
    this.where.delete(entry.id);
    this.byId.delete(entry.id);
    this.inFlight.add(entry.id);
    return entry;
  }

  /** The write of `id` ended: a change queued meanwhile (blocked) becomes ready or delayed. */
  done(id: string, now: number): void {
    this.inFlight.delete(id);
    const waiting = this.blocked.get(id);
    if (waiting) {
      this.blocked.delete(id);
      this.where.delete(id);
      this.place(waiting, now);
    }
  }

  /** Put back a (failed) entry whose write has ended; its id must have no pending entry. */
  requeue(entry: E, now: number): void {
    this.add(entry, now);
  }

  /** Every delayed entry becomes ready now (shutdown is no time to wait for a backoff). */
  expediteAll(): void {
    for (const entry of this.byId.values()) entry.notBefore = Number.NEGATIVE_INFINITY;
    for (const entry of [...this.delayed.values()]) {
      this.unplace(entry);
      this.place(entry, Number.NEGATIVE_INFINITY);
    }
  }

  /** When the earliest delayed entry becomes ready (Infinity if none). */
  nextDelayedAt(): number {
    return this.delayedEarliest;
  }

  /** True when an entry could be taken at `now`. */
  hasReady(now: number): boolean {
    this.releaseDelayed(now);
    return PRIORITIES.some((p) => this.ready[p].size > 0);
  }

  private pickClass(): StatusPriority | undefined {
    // The lowest class first: one that waited its patience out is served before higher ones.
    for (let i = PRIORITIES.length - 1; i > 0; i--) {
      const p = PRIORITIES[i] as StatusPriority;
      if (this.ready[p].size > 0 && this.passedOver[p] >= this.patience[p]) return p;
    }
    return PRIORITIES.find((p) => this.ready[p].size > 0);
  }

  private place(entry: E, now: number): void {
    if (this.inFlight.has(entry.id)) {
      this.blocked.set(entry.id, entry);
      this.where.set(entry.id, 'blocked');
    } else if (entry.notBefore > now) {
      this.delayed.set(entry.id, entry);
      this.where.set(entry.id, 'delayed');
      if (entry.notBefore < this.delayedEarliest) this.delayedEarliest = entry.notBefore;
    } else {
      this.ready[entry.priority].set(entry.id, entry);
      this.where.set(entry.id, 'ready');
    }
  }

  private unplace(entry: E): void {
    const where = this.where.get(entry.id);
    if (where === 'ready') this.ready[entry.priority].delete(entry.id);
    else if (where === 'delayed') this.delayed.delete(entry.id);
    else if (where === 'blocked') this.blocked.delete(entry.id);
    this.where.delete(entry.id);
    if (where === 'delayed' && this.delayed.size === 0) this.delayedEarliest = Number.POSITIVE_INFINITY;
  }

  private releaseDelayed(now: number): void {
    if (now < this.delayedEarliest) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of [...this.delayed.values()]) {
      if (entry.notBefore <= now) {
        this.delayed.delete(entry.id);
        this.where.delete(entry.id);
        this.place(entry, now);
      } else if (entry.notBefore < earliest) {
        earliest = entry.notBefore;
      }
    }
    this.delayedEarliest = earliest;
  }
}

function rank(p: StatusPriority): number {
  return PRIORITIES.indexOf(p);
}
