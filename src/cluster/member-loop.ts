/**
 * The member-Lease loop: the I/O driver of Ownership (src/cluster/ownership.ts).
 *
 * Every `retryPeriod` it lists the member Leases of this operator and then creates, renews or
 * takes over this replica's own Lease (compare-and-swap on resourceVersion); the tick counts only
 * when both calls succeed. Timers (through the injected Clock) report the moments that change
 * what this replica may start: the end of its join delay, and its fence (the last counted tick
 * plus renewDeadline), so the owner of the jobs learns it even while a call hangs.
 * - Its own Lease held by another live identity (two replicas started with the same node name):
 *   it stands by, logged once per holder, and takes the Lease only once it expired in its view.
 * - Its Lease taken away (a hand edit of the holder): it stops at once and stands by.
 * - `stop()` stops starting, then releases the Lease (holder cleared, marked released-by) so the
 *   other replicas take its jobs at once.
 * Every call has the API client's timeout; the loop never throws.
 */
import { describeError } from '../kube/api-errors.ts';
import { LeaseConflictError } from '../kube/lease-client.ts';
import type { Logger } from '../log/logger.ts';
import type { ClusterMetrics } from '../metrics/cluster-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { type MemberLease, memberLeaseName } from './member-lease.ts';
import type { MemberLeaseApi, MemberLeaseWrite } from './member-lease-client.ts';
import type { MemberChange } from './membership.ts';
import type { Ownership } from './ownership.ts';

export interface MemberLoopOptions {
  api: MemberLeaseApi;
  ownership: Ownership;
  /** This process (unique per replica, e.g. node_pid or the pod name). */
  identity: string;
  leaseDurationSeconds: number;
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  metrics?: ClusterMetrics;
  /** What this replica may start changed: members, phase or fence. Called synchronously. */
  onChange: (why: OwnershipChangeReason, changes: readonly MemberChange[]) => void;
}

export type OwnershipChangeReason = 'members' | 'active' | 'inactive';

export class MemberLoop {
  private readonly leaseName: string;
  private running = false;
  private attempted = false;
  private tickTimer: TimerHandle | undefined;
  private fenceTimer: TimerHandle | undefined;
  private activeTimer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  /** Our Lease as last written by us (for renewals and the release). */
  private own: MemberLease | undefined;
  private lastHeldBy: string | undefined;
  private readonly loggedRejections = new Map<string, string>();
  private wasRunning = false;

  constructor(private readonly opts: MemberLoopOptions) {
    this.leaseName = memberLeaseName(opts.ownership.node);
  }

  /** True once the first tick finished (member or not). */
  get stateKnown(): boolean {
    return this.attempted;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.opts.metrics?.setPhase('Standby');
    this.tick();
  }

  /** Stop starting runs now, then release the Lease. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.clearTimers();
    await this.inFlight?.catch(() => undefined);
    const own = this.own;
    const held = own?.holder === this.opts.identity;
    this.opts.ownership.lose('Stopped');
    this.report('inactive', []);
    if (!held || !own) return;
    try {
      await this.opts.api.replace(this.write(own, '', this.opts.identity), own.resourceVersion);
      this.opts.logger.info({ lease: this.leaseName }, 'member lease released');
    } catch (error) {
      this.opts.logger.warn(
        { lease: this.leaseName, error: describeError(error) },
        'member lease not released',
      );
    }
  }

  private tick = (): void => {
    this.tickTimer = undefined;
    if (!this.running) return;
    const sentAt = this.opts.clock.now();
    let failed = false;
    this.inFlight = this.once(sentAt)
      .catch((error: unknown) => {
        this.opts.metrics?.leaseTickFailures.inc();
        this.opts.logger.warn(
          { lease: this.leaseName, error: describeError(error) },
          'member lease tick failed',
        );
        // Members are not expired here: without a list nobody knows whether they renewed. The
        // next list that succeeds decides (and this replica starts nothing past its own fence).
        failed = true;
      })
      .finally(() => {
        this.inFlight = undefined;
        this.attempted = true;
        this.armTimers();
        if (this.running)
          this.tickTimer = this.opts.clock.setTimeout(
            this.tick,
            failed ? this.opts.retryPeriodMs : this.nextTickDelay(sentAt),
          );
      });
  };

  /**
   * Ticks go out at a fixed rate (every retryPeriod from the last SEND, not from its end, so a slow
   * round trip does not stretch the period), and earlier when a member's Lease is due to expire:
   * a list sent at that moment finds it unchanged and expires it then, not up to a period later.
   */
  private nextTickDelay(sentAt: number): number {
    const now = this.opts.clock.now();
    let at = sentAt + this.opts.retryPeriodMs;
    const expiry = this.opts.ownership.nextExpiry();
    if (expiry !== undefined && expiry < at) at = expiry;
    return Math.max(0, at - now);
  }

  private async once(sentAt: number): Promise<void> {
    const { clock, logger } = this.opts;
    try {
      await this.exchange(sentAt);
    } finally {
      const took = clock.now() - sentAt;
      // A slow tick eats into the renew deadline: worth seeing before it fences the replica.
      if (took > this.opts.retryPeriodMs)
        logger.warn({ lease: this.leaseName, tookMs: took }, 'member lease tick slow');
    }
  }

  private async exchange(sentAt: number): Promise<void> {
    const { api, ownership, identity, clock, logger } = this.opts;
    // Renewing a Lease we hold needs no list first: both calls go out together (one round trip
    // of the renew deadline, not two); a conflict means it changed, and the list says how.
    const held = this.own;
    const [leases, renewal] = await Promise.all([
      api.list(),
      held
        ? api.replace(this.write(held, identity), held.resourceVersion).catch((e: unknown) => e)
        : undefined,
    ]);
    const observed = ownership.observe(leases, sentAt);
    let own = leases.find((l) => l.name === this.leaseName);
    let holding = false;
    let heldBy: string | undefined;
    if (renewal !== undefined && !(renewal instanceof LeaseConflictError)) {
      if (!isMemberLease(renewal)) throw renewal;
      own = renewal;
      holding = true;
    } else if (!own) {
      own = await api.create(this.write(undefined, identity));
      holding = true;
      logger.info({ lease: this.leaseName, node: ownership.node }, 'member lease created');
    } else if (own.holder === identity) {
      own = await api.replace(this.write(own, identity), own.resourceVersion);
      holding = true;
    } else if (own.holder === '' || this.expiredInView(own)) {
      const previous = own.holder;
      own = await api.replace(this.write(own, identity), own.resourceVersion);
      holding = true;
      logger.info(
        { lease: this.leaseName, node: ownership.node, previous: previous || undefined },
        'member lease acquired',
      );
    } else {
      heldBy = own.holder;
      if (this.own?.holder === identity) {
        logger.error(
          { lease: this.leaseName, heldBy },
          'member lease taken by another holder: stopping at once',
        );
        ownership.lose('LeaseLost', heldBy);
      } else if (this.lastHeldBy !== heldBy) {
        logger.warn(
          { lease: this.leaseName, node: ownership.node, heldBy },
          'another process holds this node’s member lease (same node name, or this node’s previous process not yet expired): standing by',
        );
      }
    }
    this.lastHeldBy = heldBy;
    this.own = holding ? own : undefined;
    const now = clock.now();
    const result = ownership.settle(holding ? own : undefined, sentAt, holding, now, heldBy);
    for (const r of observed.rejected) {
      this.opts.metrics?.rejectedLeases.inc({ problem: r.problem });
      if (this.loggedRejections.get(r.lease) !== r.problem) {
        this.loggedRejections.set(r.lease, r.problem);
        logger.warn({ lease: r.lease, problem: r.problem }, 'ignoring a member lease that is not valid');
      }
    }
    if (this.loggedRejections.size > 1000) this.loggedRejections.clear();
    for (const lease of observed.clearedByHand) {
      logger.warn({ lease }, 'member lease holder cleared without a release: waiting for it to expire');
    }
    const changes = [...observed.changes, ...result.changes];
    this.logChanges(changes);
    if (result.phaseChanged) {
      logger.info(
        { node: ownership.node, phase: ownership.phase.phase, members: ownership.members.length },
        'member phase',
      );
    }
    if (result.membersChanged) this.report('members', changes);
    else if (result.phaseChanged) this.report(ownership.mayRun(now) ? 'active' : 'inactive', changes);
  }

  private expiredInView(lease: MemberLease): boolean {
    return this.opts.ownership.isLeaseExpired(lease.name);
  }

  private logChanges(changes: readonly MemberChange[]): void {
    for (const c of changes) {
      this.opts.metrics?.membershipChanges.inc({ change: c.kind });
      if (c.kind === 'reweighted') {
        this.opts.logger.info({ node: c.node, holder: c.holder, weight: c.weight }, 'replica weight changed');
      } else if (c.kind === 'expired') {
        // When it expired on this replica's clock (last change seen + lease duration): with the
        // time of this line, how late the expiry was noticed.
        this.opts.logger.warn(
          { node: c.node, holder: c.holder, expiredAt: new Date(c.fenceMs).toISOString() },
          'replica lost: its member lease expired',
        );
      } else {
        this.opts.logger.info(
          { node: c.node, holder: c.holder },
          c.kind === 'joined' ? 'replica joined' : 'replica left',
        );
      }
    }
  }

  /** Timers for the join delay's end and the fence; each reports if it changed what we may start. */
  private armTimers(): void {
    const { clock, ownership } = this.opts;
    if (this.fenceTimer !== undefined) clock.clearTimeout(this.fenceTimer);
    if (this.activeTimer !== undefined) clock.clearTimeout(this.activeTimer);
    this.fenceTimer = this.activeTimer = undefined;
    if (!this.running) return;
    const now = clock.now();
    const fence = ownership.fencedAt;
    if (Number.isFinite(fence) && fence > now) {
      this.fenceTimer = clock.setTimeout(() => {
        this.fenceTimer = undefined;
        if (this.running) this.report('inactive', []);
      }, fence - now);
    }
    const phase = ownership.phase;
    if (phase.phase === 'Joining') {
      this.activeTimer = clock.setTimeout(
        () => {
          this.activeTimer = undefined;
          const at = clock.now();
          if (this.running && ownership.promote(at)) {
            this.opts.logger.info(
              { node: ownership.node, members: ownership.members.length },
              'member active',
            );
            this.report('active', []);
          }
        },
        Math.max(0, phase.activeAt - now),
      );
    }
  }

  /** Tell the owner, when what we may start changed; keep metrics current. */
  private report(why: OwnershipChangeReason, changes: readonly MemberChange[]): void {
    const { ownership, metrics, clock } = this.opts;
    const now = clock.now();
    const running = ownership.mayRun(now);
    if (why === 'inactive' && !running && this.wasRunning) {
      this.opts.logger.warn(
        { node: ownership.node, phase: ownership.phase.phase },
        'member fenced: starting nothing',
      );
    }
    this.wasRunning = running;
    metrics?.members.set(ownership.members.length);
    metrics?.setPhase(ownership.phase.phase === 'Joining' && running ? 'Active' : ownership.phase.phase);
    this.opts.onChange(why, changes);
  }

  private write(current: MemberLease | undefined, holder: string, releasedBy?: string): MemberLeaseWrite {
    const now = this.opts.clock.now();
    const mine = current?.holder === this.opts.identity;
    const write: MemberLeaseWrite = {
      name: this.leaseName,
      node: this.opts.ownership.node,
      holder,
      durationSeconds: this.opts.leaseDurationSeconds,
      acquireTimeMs: mine ? (current?.acquireTimeMs ?? now) : now,
      renewTimeMs: now,
      leaseTransitions: (current?.leaseTransitions ?? 0) + (current && !mine && holder ? 1 : 0),
      weight: this.opts.ownership.weight,
    };
    if (releasedBy) write.releasedBy = releasedBy;
    return write;
  }

  private clearTimers(): void {
    const { clock } = this.opts;
    for (const t of [this.tickTimer, this.fenceTimer, this.activeTimer])
      if (t !== undefined) clock.clearTimeout(t);
    this.tickTimer = this.fenceTimer = this.activeTimer = undefined;
  }
}

function isMemberLease(value: unknown): value is MemberLease {
  return typeof value === 'object' && value !== null && 'resourceVersion' in value && 'holder' in value;
}
