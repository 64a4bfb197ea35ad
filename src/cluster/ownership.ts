/**
 * Ownership (pure): which jobs this replica may start now, in cluster mode.
 *
 * In: what the member-Lease loop learned (each tick: the member list and whether this replica
 * holds its own Lease, with the local time the tick was sent), and `now` on every question.
 * Out: `owns(uid, placementNode, now)`, the live set, this replica's phase, and the handover fence
 * for a job it takes on.
 *
 * Rules (docs/scaling.md has the argument):
 * - A job placed on a node belongs to the replica holding that node's Lease; an unplaced job to
 *   the live member that rendezvous hashing of its uid picks (src/cluster/rendezvous.ts).
 * - Fencing by time: a tick counts only when the list AND the renewal both succeeded; this
 *   replica starts nothing once `renewDeadline` has passed since the last counted tick was SENT,
 *   which is before any other replica can see its Lease expire (they wait a lease duration from
 *   when they saw it change, which is after the send).
 * - Joining: after acquiring its Lease, or after a fence that lasted until its Lease may have
 *   expired for others, a replica starts nothing for `joinDelay` (> renewDeadline): every
 *   replica that owned its jobs has by then either seen it (and given them up) or fenced itself.
 *   A shorter fence (renewed again within a lease duration of the last counted send) resumes at
 *   once: no other replica can have taken its jobs.
 * - Handover fence: a job taken on does not run again any scheduled time up to the moment its
 *   previous owner certainly stopped (a Lease's expiry, a release, a join), even if that owner's
 *   status write of a started run was lost: those times are the takeover window.
 */

import { MAX_MEMBER_WEIGHT, type MemberLease } from './member-lease.ts';
import {
  type MemberChange,
  type MembershipTiming,
  MembershipView,
  type ObserveResult,
} from './membership.ts';
import { OwnerTable } from './owner-table.ts';
import { RendezvousSet } from './rendezvous.ts';

export interface OwnershipTiming extends MembershipTiming {
  renewDeadlineMs: number;
  /** How long a (re)joining replica waits before it starts anything; > renewDeadline. */
  joinDelayMs: number;
}

export class InvalidOwnershipTimingError extends Error {
  readonly reason = 'InvalidOwnershipTiming';
}

/** This replica's own standing. */
export type SelfPhase =
  | { phase: 'Standby'; reason: 'NotStarted' | 'NodeClaimed' | 'LeaseLost' | 'Stopped'; heldBy?: string }
  | { phase: 'Joining'; since: number; activeAt: number }
  | { phase: 'Active'; since: number };

export class Ownership {
  private readonly view: MembershipView;
  /** Owners of the jobs asked about, kept current incrementally across membership changes. */
  private readonly table = new OwnerTable();
  private self: SelfPhase = { phase: 'Standby', reason: 'NotStarted' };
  /** Local time until which the last counted tick keeps this replica unfenced. */
  private freshUntil = Number.NEGATIVE_INFINITY;
  /** Handover fences of recent changes, newest last; bounded by the horizon. */
  private fences: { at: number; fenceMs: number }[] = [];

  constructor(
    readonly node: string,
    private readonly timing: OwnershipTiming,
    /** This replica's own weight (its flag): what it counts itself with, whatever its Lease says. */
    readonly weight = 1,
  ) {
    const { leaseDurationMs, renewDeadlineMs, joinDelayMs, maxLeaseDurationMs } = timing;
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > 0 && joinDelayMs > renewDeadlineMs)) {
      throw new InvalidOwnershipTimingError(
        'cluster ownership needs leaseDuration > renewDeadline > 0 and joinDelay > renewDeadline',
      );
    }
    if (!(Number.isInteger(weight) && weight >= 1 && weight <= MAX_MEMBER_WEIGHT)) {
      throw new InvalidOwnershipTimingError(`the member weight must be an integer 1..${MAX_MEMBER_WEIGHT}`);
    }
    if (maxLeaseDurationMs < leaseDurationMs) {
      throw new InvalidOwnershipTimingError('maxLeaseDuration must be at least leaseDuration');
    }
    this.view = new MembershipView(timing);
  }

  get phase(): SelfPhase {
    return this.self;
  }

  /** Live members (node names, sorted), this replica included while it holds its Lease. */
  get members(): readonly string[] {
    return this.table.members.names;
  }

  /** May this replica start anything at `now`: active, and its last counted tick fresh. */
  mayRun(now: number): boolean {
    if (now >= this.freshUntil) return false;
    if (this.self.phase === 'Active') return true;
    return this.self.phase === 'Joining' && now >= this.self.activeAt;
  }

  /** Is the job this replica's to start at `now`. */
  owns(uid: string, placementNode: string | undefined, now: number): boolean {
    if (!this.mayRun(now)) return false;
    if (placementNode) return placementNode === this.node;
    return this.table.ownerOf(uid) === this.node;
  }

  /** A job was deleted: forget its remembered owner (keeps the owner table to existing jobs). */
  forgetJob(uid: string): void {
    this.table.forget(uid);
  }

  /** The live member that owns an unplaced job (whatever this replica's own phase). */
  ownerOf(uid: string): string | undefined {
    return this.table.ownerOf(uid);
  }

  /** Has the member Lease `name` expired (or was never live) in this replica's view. */
  isLeaseExpired(name: string): boolean {
    return !this.view.lease(name)?.live;
  }

  /** Is `node` live now (as far as this replica knows). */
  isLive(node: string): boolean {
    return this.table.members.has(node);
  }

  /**
   * The handover fence for a job taken on at `now`: scheduled times up to it are not started
   * again (they may have run on the previous owner). The latest fence of the changes within the
   * horizon (one max lease duration plus the join delay).
   */
  handoverFence(now: number): number | undefined {
    this.prune(now);
    let fence: number | undefined;
    for (const f of this.fences) fence = fence === undefined ? f.fenceMs : Math.max(fence, f.fenceMs);
    return fence === undefined ? undefined : Math.min(fence, now);
  }

  /**
   * A tick's list of member Leases (sent at `sentAt`): update the view first, so that the
   * decision about our own Lease (renew, take over, stand by) sees it.
   */
  observe(leases: readonly MemberLease[], sentAt: number): ObserveResult {
    const observed = this.view.observe(leases, sentAt);
    this.noteFences(observed.changes, sentAt);
    return observed;
  }

  /**
   * The tick succeeded: our own Lease after it (written by us, or as listed), whether we hold it,
   * and who does otherwise. `now` is when the tick finished.
   */
  settle(
    own: MemberLease | undefined,
    sentAt: number,
    holding: boolean,
    now: number,
    heldBy?: string,
  ): { phaseChanged: boolean; membersChanged: boolean; changes: MemberChange[] } {
    const before = this.self;
    const wasRunning = this.mayRun(now);
    const changes = own ? this.view.observe([own], sentAt, false).changes : [];
    this.noteFences(changes, now);
    if (holding) {
      const fenced = now >= this.freshUntil;
      // Fenced, but renewed again before anyone can have seen our Lease expire (observers wait a
      // lease duration from a change they saw, which was after our last counted send): nobody
      // took our jobs, so we resume without the join delay.
      const lastSent = this.freshUntil - this.timing.renewDeadlineMs;
      const resumable =
        fenced && this.self.phase !== 'Standby' && now < lastSent + this.timing.leaseDurationMs;
      if (this.self.phase === 'Standby' || (fenced && !resumable)) {
        this.self = { phase: 'Joining', since: now, activeAt: now + this.timing.joinDelayMs };
        // Previous owners of our jobs have stopped by the time we (re)acquired + renewDeadline.
        this.fences.push({ at: now, fenceMs: now + this.timing.renewDeadlineMs });
      }
      this.freshUntil = sentAt + this.timing.renewDeadlineMs;
    } else if (this.self.phase !== 'Standby' || this.self.heldBy !== heldBy) {
      this.self = { phase: 'Standby', reason: heldBy ? 'NodeClaimed' : 'LeaseLost', heldBy };
      this.freshUntil = Number.NEGATIVE_INFINITY;
    }
    this.promote(now);
    const membersChanged = this.rebuild(holding);
    const phaseChanged =
      describePhase(before) !== describePhase(this.self) || wasRunning !== this.mayRun(now);
    return { membersChanged, phaseChanged, changes };
  }

  /** When the next member expires unless it renews (local ms): when to list next. */
  nextExpiry(): number | undefined {
    return this.view.nextExpiry();
  }

  /** Promote a Joining replica whose delay is over; true if it became Active. */
  promote(now: number): boolean {
    if (this.self.phase === 'Joining' && now >= this.self.activeAt && now < this.freshUntil) {
      this.self = { phase: 'Active', since: now };
      return true;
    }
    return false;
  }

  /** The Lease was lost or taken away: start nothing from now on. */
  lose(reason: 'LeaseLost' | 'Stopped', heldBy?: string): void {
    this.self = { phase: 'Standby', reason, heldBy };
    this.freshUntil = Number.NEGATIVE_INFINITY;
    this.rebuild(false);
  }

  /** When the current freshness runs out (local ms). */
  get fencedAt(): number {
    return this.freshUntil;
  }

  private noteFences(changes: readonly MemberChange[], now: number): void {
    for (const c of changes) if (c.kind !== 'joined') this.fences.push({ at: now, fenceMs: c.fenceMs });
    this.prune(now);
  }

  private prune(now: number): void {
    const horizon = this.timing.maxLeaseDurationMs + this.timing.joinDelayMs;
    while (this.fences.length > 0 && this.fences[0]!.at + horizon < now) this.fences.shift();
  }

  /** The weight of each live member, as this replica counts them. */
  get weights(): ReadonlyMap<string, number> {
    const set = this.table.members;
    return new Map(set.names.map((n) => [n, set.weightOf(n) ?? 1]));
  }

  /** Rebuild the rendezvous set from the view; true if it changed (members or weights). */
  private rebuild(holding: boolean): boolean {
    const weights = this.view.weights();
    // While standing by, our node stays in the set only if someone else holds its Lease; while
    // holding it, it counts with its own weight.
    if (holding) weights.set(this.node, this.weight);
    const current = this.table.members;
    const same = weights.size === current.size && [...weights].every(([n, w]) => current.weightOf(n) === w);
    if (same) return false;
    this.table.update(new RendezvousSet(weights.keys(), weights));
    return true;
  }
}

function describePhase(p: SelfPhase): string {
  return p.phase === 'Standby' ? `Standby/${p.reason}/${p.heldBy ?? ''}` : `${p.phase}/${p.since}`;
}
