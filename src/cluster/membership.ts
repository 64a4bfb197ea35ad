/**
 * Membership (pure): the live set of replicas, from the member Leases listed over time.
 *
 * In: successive lists of member Leases, each with the LOCAL time at which the list request was
 * sent. Out: the live node names, and what changed (joined, expired, released).
 * A Lease is live while it has a holder and this replica has seen it change (a new
 * resourceVersion) within its lease duration, measured on this replica's own clock from the
 * observation; timestamps written by other machines (renewTime) are never compared with the
 * local clock, so clock skew between replicas does not matter, and a hand-edited renewTime
 * changes nothing. The duration used is max(our own, the Lease's, capped): a Lease edited to a
 * shorter duration cannot make anyone give up on its holder sooner than its holder gives up on
 * itself (fencing relies on that), and a huge one cannot keep a dead replica's jobs for more
 * than `maxLeaseDurationMs`.
 * - A Lease released cleanly (holder cleared, `released-by` naming the previous holder) leaves
 *   at once; a holder cleared without that mark, or a Lease deleted by hand, is waited out.
 * - A Lease with an invalid name/node pair is no member (reported, never counted).
 * - Weights (`ofelia.dev/weight`): a rise counts at once; a fall only from when the version that
 *   advertised the higher weight would have expired (change `reweighted`), so fewer jobs never
 *   leave a member that may still be running them.
 * Every list is time-stamped at its sending, so a slow response never makes a member look
 * fresher than it is.
 */
import { type MemberLease, type MemberLeaseProblem, memberLeaseProblem } from './member-lease.ts';

export interface MembershipTiming {
  /** Our own lease duration: the least time a silent member is waited for. */
  leaseDurationMs: number;
  /** The most a Lease's own duration may make us wait (hand-edited huge values). */
  maxLeaseDurationMs: number;
}

export type MemberChange =
  | { kind: 'joined'; node: string; holder: string }
  | {
      kind: 'expired';
      node: string;
      holder: string;
      /** Local time after which the holder has certainly stopped starting runs. */
      fenceMs: number;
    }
  | { kind: 'released'; node: string; holder: string; fenceMs: number }
  | {
      kind: 'reweighted';
      node: string;
      holder: string;
      /** The lower weight applies from here: the holder that advertised the higher one has stopped. */
      fenceMs: number;
      weight: number;
    };

export interface RejectedLease {
  lease: string;
  problem: MemberLeaseProblem;
}

export interface ObserveResult {
  changes: MemberChange[];
  rejected: RejectedLease[];
  /** Holders cleared without a release mark (hand edits): waited out, reported. */
  clearedByHand: string[];
}

interface Entry {
  node: string;
  holder: string;
  resourceVersion: string;
  /** Local time until which the member counts as live. */
  liveUntil: number;
  live: boolean;
  /** In the latest list. */
  listed: boolean;
  /** The weight of the latest version seen. */
  weight: number;
  /** A higher weight seen before, that still applies until `until` (see weightOf). */
  floor: { weight: number; until: number } | undefined;
}

/**
 * The weight a member counts with: the latest advertised, or a higher one seen before while the
 * version that carried it could still be live. A weight only falls once whoever advertised the
 * higher one has certainly stopped (a hand edit of the annotation, or a new holder with a lower
 * weight, must not hand jobs to others while the old holder may still run them); a rise applies
 * at once (it only makes others give jobs up).
 */
function weightOf(e: Entry): number {
  return e.floor && e.floor.weight > e.weight ? e.floor.weight : e.weight;
}

export class MembershipView {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly timing: MembershipTiming) {}

  /**
   * Apply member Leases read by a request sent at local time `sentAtMs` (`complete`: the whole
   * list, so missing ones are gone from the API); then expire what is due.
   */
  observe(leases: readonly MemberLease[], sentAtMs: number, complete = true): ObserveResult {
    const result: ObserveResult = { changes: [], rejected: [], clearedByHand: [] };
    // A complete list tells which Leases are gone; a single Lease (our own write) does not.
    if (complete) for (const e of this.entries.values()) e.listed = false;
    for (const lease of leases) {
      const problem = memberLeaseProblem(lease);
      if (problem) {
        result.rejected.push({ lease: lease.name, problem });
        continue;
      }
      const node = lease.node!;
      const entry = this.entries.get(lease.name);
      if (!entry) {
        const held = lease.holder !== '';
        const fresh: Entry = {
          node,
          holder: lease.holder,
          resourceVersion: lease.resourceVersion,
          liveUntil: held ? sentAtMs + this.durationOf(lease) : sentAtMs,
          live: held,
          listed: true,
          weight: lease.weight ?? 1,
          floor: undefined,
        };
        this.entries.set(lease.name, fresh);
        if (held) result.changes.push({ kind: 'joined', node, holder: lease.holder });
        continue;
      }
      entry.listed = true;
      if (entry.resourceVersion === lease.resourceVersion) continue;
      entry.resourceVersion = lease.resourceVersion;
      if (lease.holder !== '') {
        const weight = lease.weight ?? 1;
        if (!entry.live) {
          entry.floor = undefined;
        } else if (weight < weightOf(entry)) {
          // Keep the higher weight while the version that carried it may be live.
          entry.floor = { weight: weightOf(entry), until: entry.liveUntil };
        } else {
          entry.floor = undefined;
        }
        entry.weight = weight;
        entry.holder = lease.holder;
        entry.liveUntil = Math.max(entry.liveUntil, sentAtMs + this.durationOf(lease));
        if (!entry.live) {
          entry.live = true;
          result.changes.push({ kind: 'joined', node, holder: lease.holder });
        }
      } else if (entry.holder !== '' && lease.releasedBy === entry.holder) {
        const holder = entry.holder;
        entry.holder = '';
        if (entry.live) {
          entry.live = false;
          entry.liveUntil = sentAtMs;
          result.changes.push({ kind: 'released', node, holder, fenceMs: sentAtMs });
        }
      } else if (entry.holder !== '') {
        // Cleared without the release mark: the holder may still be running; wait it out.
        result.clearedByHand.push(lease.name);
        entry.holder = '';
      }
    }
    result.changes.push(...this.expire(sentAtMs));
    return result;
  }

  /** Members whose time is up at `nowMs` leave (expired). */
  expire(nowMs: number): MemberChange[] {
    const changes: MemberChange[] = [];
    for (const [name, e] of this.entries) {
      if (e.live && e.floor && e.floor.until <= nowMs && e.liveUntil > nowMs) {
        const { until } = e.floor;
        e.floor = undefined;
        changes.push({
          kind: 'reweighted',
          node: e.node,
          holder: e.holder,
          fenceMs: until,
          weight: e.weight,
        });
      }
      if (e.live && e.liveUntil <= nowMs) {
        e.live = false;
        changes.push({ kind: 'expired', node: e.node, holder: e.holder, fenceMs: e.liveUntil });
      }
      // Forget dead Leases that are gone from the API (bounded by what was listed).
      if (!e.live && !e.listed) this.entries.delete(name);
    }
    return changes;
  }

  /**
   * The local time at which the next live member expires unless a list sent by then shows it
   * changed, or undefined. The loop lists at that moment (src/cluster/member-loop.ts) instead of
   * waiting for its next period: expiry is only ever decided from a list SENT at or after it, so a
   * renewal committed just before stays visible and a late one cannot be missed.
   */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) {
      if (!e.live) continue;
      const at = e.floor ? Math.min(e.floor.until, e.liveUntil) : e.liveUntil;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Node names of the live members, sorted. */
  live(): string[] {
    const nodes: string[] = [];
    for (const e of this.entries.values()) if (e.live) nodes.push(e.node);
    return nodes.sort();
  }

  /** The weight of each live member (node name -> weight; see weightOf). */
  weights(): Map<string, number> {
    const weights = new Map<string, number>();
    for (const e of this.entries.values()) if (e.live) weights.set(e.node, weightOf(e));
    return weights;
  }

  /** The holder of a member Lease as last seen, and whether it is live now. */
  lease(name: string): { holder: string; live: boolean } | undefined {
    const e = this.entries.get(name);
    return e ? { holder: e.holder, live: e.live } : undefined;
  }

  private durationOf(lease: MemberLease): number {
    const own = lease.durationSeconds !== undefined ? lease.durationSeconds * 1000 : 0;
    return Math.max(this.timing.leaseDurationMs, Math.min(own, this.timing.maxLeaseDurationMs));
  }
}
