/**
 * controller: from ScheduledDockerJobs to runs on time, with truthful status.
 *
 * Contract
 * - In: its API calls (controller-api.ts: HTTPS or in-process, chosen by the composition root), a RunExecutor (the JobRunner), this
 *   operator instance and an optional LeftoverSource (containers of an earlier process of the same
 *   instance), a Clock, a Logger, a Registry (or the metrics objects already made on it), this
 *   replica's node name and leader-election settings.
 * - Out: `runnables()`, the controller's parts in start order for the composition root's lifecycle
 *   (informer: synced; leader election; status writer; event recorder; the controller: leftovers
 *   adopted, workers reconciling) — stopped in reverse, so runs drain before status and Events
 *   flush, which happens before the Lease is released and the informer stops; `runEvents`, the bus
 *   on which features observe runs; `ready()` for /readyz. `start()`/`shutdown(graceMs)` run the
 *   same list on their own (tests, tools).
 * - Flow: informer -> work queue -> reconcile (pure decision + apply) -> schedule table on the
 *   timer wheel -> dispatcher (policy, limits, identity) -> runner; the dispatcher publishes run
 *   events; observers write status (coalescing, rate-limited status writer), Events (aggregating
 *   recorder) and metrics.
 * - Never: runs a scheduled time twice, runs a job another replica owns (placement, lease), touches
 *   another operator instance's containers, blocks a run on an API write, or reads process.env
 *   (everything comes in through the options).
 * See docs/controller.md.
 */
import { Registry } from 'prom-client';
import { ClusterReplica, clusterTiming } from '../cluster/index.ts';
import type { OwnershipChangeReason } from '../cluster/member-loop.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { RestartingInformer } from '../kube/informer.ts';
import { type JobObject, jobsPath } from '../kube/job-api.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import type { ResultJournal } from '../kube/result-journal.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import type { Logger } from '../log/logger.ts';
import { defaultControllerRateLimiter } from '../machinery/rate-limiter.ts';
import { type Runnable, runnable } from '../machinery/runnable.ts';
import { RunnableGroup } from '../machinery/runnable-group.ts';
import { TokenBucket } from '../machinery/token-bucket.ts';
import { WorkQueue } from '../machinery/work-queue.ts';
import type { ClusterMetrics } from '../metrics/cluster-metrics.ts';
import { ControllerMetrics } from '../metrics/controller-metrics.ts';
import { RunEventMetrics } from '../metrics/run-event-metrics.ts';
import { SchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { adoptLeftovers, type LeftoverSource } from './adoption.ts';
import { ChainIndex, ChainObserver } from './chains/chain-index.ts';
import type { ControllerApi } from './controller-api.ts';
import { Dispatcher, type RunExecutor } from './dispatcher.ts';
import { JobController, keyOf } from './job-controller.ts';
import { JobEvents } from './job-events.ts';
import type { JobState } from './job-state.ts';
import { JobStatusView } from './job-status-view.ts';
import { RequeueOnFinishObserver } from './observers/requeue-observer.ts';
import { RunEventRecorder } from './observers/run-event-recorder.ts';
import { RunMetricsObserver } from './observers/run-metrics-observer.ts';
import { RunStatusObserver } from './observers/run-status-observer.ts';
import { type KnownJob, planOwnershipChange } from './ownership-change.ts';
import { ownsJob, type ReplicaRole } from './placement.ts';
import { replayPendingResults } from './result-replay.ts';
import { RunEventBus } from './run-events/run-event-bus.ts';
import { applyFinishedRun } from './run-history.ts';
import { Scheduler } from './scheduler.ts';
import { UpdateFilter } from './update-filter.ts';

export const CONTROLLER_NAME = 'scheduleddockerjob';

export interface LeaderElectionOptions {
  enabled: boolean;
  namespace: string;
  leaseName: string;
  /** Unique per replica (pod name, hostname + pid). */
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
}

/**
 * Cluster mode (src/cluster/): replicas spread the jobs over themselves through member Leases,
 * one per node, instead of one leader running every unplaced job.
 */
export interface ClusterMembershipOptions {
  /** Namespace of the member Leases. */
  namespace: string;
  /** Unique per process (node + pid, the pod name). */
  identity: string;
  /** Default 15 s; renew deadline, retry period and join delay are derived from it. */
  leaseDurationMs?: number;
  /** This replica's weight (1..100, default 1): its share of unplaced jobs is weight / sum. */
  weight?: number;
}

export interface ControllerManagerOptions {
  /**
   * Every API call (controller-api.ts): over HTTP(S) in cluster mode, in-process against the
   * embedded API server by default in embedded mode. Made once by the composition root.
   */
  api: ControllerApi;
  executor: RunExecutor;
  /**
   * This operator instance (the runner labels its containers with it): adoption and orphan removal
   * see only its containers, never those of another operator sharing the daemon.
   */
  instance: string;
  /** Containers of an earlier process to adopt at start; none when omitted. */
  leftovers?: LeftoverSource;
  /**
   * Containers of this instance whose job no longer exists: removed (default), or kept to be
   * inspected by hand. Other instances' containers are never seen, whatever this says.
   */
  orphanContainers?: 'remove' | 'keep';
  clock?: Clock;
  logger: Logger;
  /** Where to define the metrics, unless `metrics` gives them already made. */
  registry?: Registry;
  metrics?: {
    controller: ControllerMetrics;
    scheduler: SchedulerMetrics;
    runEvents?: RunEventMetrics;
    cluster?: ClusterMetrics;
  };
  /** Jobs with placement.nodeName equal to this are run here, without election. */
  nodeName?: string;
  leaderElection?: LeaderElectionOptions;
  /** Spread jobs over the live replicas (needs `nodeName`); leader election is then not used. */
  cluster?: ClusterMembershipOptions;
  /** Status writes per second over all jobs (default 20). */
  statusWritesPerSecond?: number;
  /** Event writes per second (default 10). */
  eventsPerSecond?: number;
  /** Runs at once per Docker daemon (default 50). */
  maxConcurrentRunsPerDaemon?: number;
  /** Runs waiting for a slot, overall (default 1000). */
  runQueueLimit?: number;
  /** Watch one namespace; all when omitted. */
  namespace?: string;
  /** Reconcile workers (default 4). */
  workers?: number;
  /** How long start() waits for the first list (default 60 s). */
  syncTimeoutMs?: number;
  /** How long runs in progress may go on at shutdown before they are cancelled (default 30 s). */
  shutdownGraceMs?: number;
  /**
   * Where run results are kept until written to status; its pending results (of an earlier
   * process) are written at start. The caller opens and closes it. None: in memory only.
   */
  results?: ResultJournal;
}

export class ManagerStartError extends Error {
  readonly reason = 'InformerNotSynced';
}

export class ControllerManager {
  /** What happens to runs: observe it here (notifications, chains, live views ...). */
  readonly runEvents: RunEventBus<JobState>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly controllerMetrics: ControllerMetrics;
  private readonly informer: RestartingInformer<JobObject>;
  private readonly queue: WorkQueue<string>;
  private readonly statusWriter: StatusWriter;
  private readonly events: EventRecorder;
  private readonly scheduler: Scheduler;
  private readonly dispatcher: Dispatcher;
  private readonly controller: JobController;
  private readonly statusView: JobStatusView;
  private readonly elector: LeaderElector | undefined;
  private readonly cluster: ClusterReplica | undefined;
  private readonly jobEvents: JobEvents;
  private readonly workers: Promise<void>[] = [];
  private readonly parts: Runnable[];
  private readonly group: RunnableGroup;
  private graceMs: number;
  /** With election: leader AND leftovers adopted for this term. */
  private leadsNow: boolean;
  /** Set once the controller part starts (adoption, then workers). */
  private controllerStart: Promise<void> | undefined;
  private stopping = false;
  /** Cluster mode: whether this replica could start runs at the last ownership report. */
  private clusterRunning = false;

  constructor(private readonly opts: ControllerManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'controller' });
    this.graceMs = opts.shutdownGraceMs ?? 30_000;
    const registry = opts.registry ?? new Registry();
    this.controllerMetrics = opts.metrics?.controller ?? new ControllerMetrics(registry);
    const schedulerMetrics = opts.metrics?.scheduler ?? new SchedulerMetrics(registry);
    const runEventMetrics = opts.metrics?.runEvents ?? new RunEventMetrics(registry);
    const jobs = opts.api.jobs;
    const clock = this.clock;

    this.informer = new RestartingInformer<JobObject>({
      resource: 'scheduleddockerjobs',
      path: jobsPath(opts.namespace),
      list: jobs.list(opts.namespace),
      informerFactory: jobs.informerFactory,
      clock,
      logger: this.log,
      metrics: this.controllerMetrics,
    });
    this.queue = new WorkQueue<string>({
      name: CONTROLLER_NAME,
      clock,
      rateLimiter: defaultControllerRateLimiter<string>(clock),
      metrics: this.controllerMetrics,
    });
    const writesPerSecond = opts.statusWritesPerSecond ?? 20;
    this.statusWriter = new StatusWriter({
      patch: jobs.statusPatch,
      clock,
      logger: this.log,
      metrics: this.controllerMetrics,
      bucket: new TokenBucket({
        ratePerSecond: writesPerSecond,
        burst: Math.max(1, Math.ceil(writesPerSecond)),
        clock,
      }),
    });
    const eventsPerSecond = opts.eventsPerSecond ?? 10;
    this.events = new EventRecorder({
      sink: opts.api.events,
      clock,
      logger: this.log,
      metrics: this.controllerMetrics,
      bucket: new TokenBucket({
        ratePerSecond: eventsPerSecond,
        burst: Math.max(1, Math.ceil(eventsPerSecond * 2.5)),
        clock,
      }),
      host: opts.nodeName ?? opts.leaderElection?.identity,
    });
    const statusView = new JobStatusView(this.statusWriter, opts.results, this.log);
    this.statusView = statusView;
    const jobEvents = new JobEvents(this.events);
    this.jobEvents = jobEvents;

    // Run events: the status observer first, so the status view is current before anyone else hears.
    this.runEvents = new RunEventBus<JobState>(this.log, runEventMetrics);
    this.runEvents.subscribe(new RunStatusObserver(statusView));
    this.runEvents.subscribe(new RunEventRecorder(jobEvents));
    this.runEvents.subscribe(new RunMetricsObserver(schedulerMetrics));
    this.runEvents.subscribe(new RequeueOnFinishObserver((key) => this.queue.add(key)));
    const chains = new ChainIndex();
    this.runEvents.subscribe(new ChainObserver(chains, (key) => this.queue.add(key)));

    this.dispatcher = new Dispatcher({
      executor: opts.executor,
      events: this.runEvents,
      clock,
      logger: this.log,
      metrics: schedulerMetrics,
      maxConcurrentRunsPerDaemon: opts.maxConcurrentRunsPerDaemon,
      runQueueLimit: opts.runQueueLimit,
      mayStart: opts.cluster ? (state) => this.ownsState(state) : undefined,
    });
    this.scheduler = new Scheduler({
      clock,
      metrics: schedulerMetrics,
      onError: (error, key) => this.log.error({ job: key, error: String(error) }, 'due handler failed'),
    });
    this.controller = new JobController({
      cache: this.informer,
      status: statusView,
      events: jobEvents,
      finalizers: jobs.finalizers,
      scheduler: this.scheduler,
      dispatcher: this.dispatcher,
      clock,
      logger: this.log,
      metrics: schedulerMetrics,
      role: () => this.role(),
      enqueue: (key) => this.queue.add(key),
      onTakeOn: (state) => this.takeOn(state),
    });

    if (opts.cluster && opts.nodeName) {
      if (!opts.api.memberLeases)
        throw new Error('cluster membership needs member Leases, and this API connection has none');
      this.cluster = new ClusterReplica({
        api: opts.api.memberLeases(opts.cluster.namespace, opts.instance),
        node: opts.nodeName,
        identity: opts.cluster.identity,
        timing: clusterTiming(opts.cluster.leaseDurationMs ?? 15_000),
        weight: opts.cluster.weight,
        clock,
        logger: this.log.child({ component: 'cluster' }),
        metrics: opts.metrics?.cluster,
        onChange: (why) => this.ownershipChanged(why),
      });
    }

    const election = opts.leaderElection;
    this.leadsNow = !election?.enabled;
    if (election?.enabled && !this.cluster) {
      this.elector = new LeaderElector({
        client: opts.api.lease(election.namespace, election.leaseName),
        identity: election.identity,
        name: election.leaseName,
        clock,
        logger: this.log,
        metrics: this.controllerMetrics,
        timing: {
          leaseDurationMs: (election.leaseDurationSeconds ?? 15) * 1000,
          renewDeadlineMs: (election.renewDeadlineSeconds ?? 10) * 1000,
          retryPeriodMs: (election.retryPeriodSeconds ?? 2) * 1000,
        },
        onStartedLeading: () => void this.tookLead(),
        onStoppedLeading: () => this.lostLead(),
      });
    }

    // Status-only updates (the echo of this controller's own writes) are not reconciled; but any
    // change of a job (its status: a finished run) re-queues the jobs chained after it.
    const updates = new UpdateFilter();
    const enqueue = (event: 'added' | 'updated' | 'deleted') => (obj: JobObject) => {
      if (this.stopping) return;
      const key = keyOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      if (event === 'deleted') {
        chains.remove(key);
        if (obj.metadata?.uid) this.cluster?.forgetJob(obj.metadata.uid);
      } else chains.set(obj);
      for (const downstream of chains.downstreamOf(key)) this.queue.add(downstream);
      if (event === 'deleted' ? updates.deleted(key) : updates[event](key, obj)) this.queue.add(key);
    };
    this.informer.on('add', enqueue('added'));
    this.informer.on('update', enqueue('updated'));
    this.informer.on('delete', enqueue('deleted'));

    this.parts = this.buildParts();
    this.group = new RunnableGroup('controller-manager', this.log);
    this.group.add(...this.parts);
  }

  /**
   * The controller's parts in start order; the composition root adds them to its lifecycle
   * (stopped in reverse: runs drain, Events and status flush, the Lease is released, the
   * informer stops).
   */
  runnables(): Runnable[] {
    return [...this.parts];
  }

  /**
   * Cluster mode: whether `node` is a live replica now (holds its member Lease), so that the
   * dashboard relays a user's token only to a replica of this operator, never to a node name
   * someone wrote into a run record. Undefined outside cluster mode (no member Leases).
   */
  liveReplicas(): ((node: string) => boolean) | undefined {
    const cluster = this.cluster;
    return cluster ? (node) => cluster.ownership.isLive(node) : undefined;
  }

  /** This replica's role now. */
  role(): ReplicaRole {
    const role: ReplicaRole = this.opts.nodeName
      ? { nodeName: this.opts.nodeName, leads: this.leadsNow }
      : { leads: this.leadsNow };
    if (this.cluster) role.ownership = this.cluster;
    return role;
  }

  get isLeader(): boolean {
    return this.elector ? this.elector.isLeader : true;
  }

  /** Starts every part (for callers without a lifecycle of their own). */
  start(): Promise<void> {
    return this.group.start();
  }

  /** For /readyz: informer synced and healthy, leader state known, not shutting down. */
  ready(): { ok: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!this.controllerStart) reasons.push('not started');
    if (this.stopping) reasons.push('shutting down');
    if (!this.informer.synced) reasons.push('informer not synced');
    else if (!this.informer.healthy) reasons.push('informer reconnecting');
    if (this.elector && !this.elector.stateKnown) reasons.push('leader election state unknown');
    if (this.cluster && !this.cluster.stateKnown) reasons.push('cluster membership unknown');
    return { ok: reasons.length === 0, reasons };
  }

  /** Stops every part, giving runs in progress `graceMs` (for callers without a lifecycle). */
  shutdown(graceMs: number = this.graceMs): Promise<void> {
    this.graceMs = graceMs;
    return this.group.stop();
  }

  private buildParts(): Runnable[] {
    const parts: Runnable[] = [
      runnable('informer', {
        start: async () => {
          this.informer.start();
          const synced = await this.informer.waitForSync(this.opts.syncTimeoutMs ?? 60_000);
          if (!synced) throw new ManagerStartError('the ScheduledDockerJob informer did not sync in time');
          this.log.info({ jobs: this.informer.size }, 'informer synced');
        },
        stop: () => this.informer.stop(),
      }),
    ];
    const elector = this.elector;
    if (elector)
      parts.push(
        runnable('leader-election', {
          // Campaigns in the background; a lead won before the controller starts is taken by its start.
          start: () => elector.start(),
          stop: () => elector.stop(),
        }),
      );
    const cluster = this.cluster;
    if (cluster)
      parts.push(
        // Like the election: released on stop only after the last results are written.
        runnable('cluster-membership', {
          start: () => cluster.start(),
          stop: () => cluster.stop(),
        }),
      );
    parts.push(
      runnable('status-writer', {
        stop: async () => {
          const flushed = await this.statusWriter.flush(10_000);
          if (!flushed)
            this.log.warn(
              { pending: this.statusWriter.pendingCount },
              'status changes not written before exit',
            );
          this.statusWriter.stop();
        },
      }),
      runnable('event-recorder', {
        stop: async () => {
          await this.events.flush(2_000);
          this.events.stop();
        },
      }),
      runnable('job-controller', {
        start: () => {
          this.controllerStart ??= this.startController();
          return this.controllerStart;
        },
        stop: () => this.stopController(),
      }),
    );
    return parts;
  }

  private async startController(): Promise<void> {
    // Results an earlier process could not write go first: adoption must see them as known.
    if (this.opts.results && this.opts.results.pendingCount > 0) {
      const summary = replayPendingResults({
        journal: this.opts.results,
        jobs: this.informer.list(),
        controller: this.controller,
        status: this.statusView,
        role: this.role(),
        logger: this.log,
      });
      this.log.info(summary, 'run results of an earlier process replayed');
    }
    // Adopt first, then schedule: a catch-up must never start a run whose container still runs.
    await this.adopt();
    const workers = Math.max(1, this.opts.workers ?? 4);
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
    for (const key of this.controller.allKeys()) this.queue.add(key);
  }

  /**
   * Stop firing; let active runs finish for up to the grace period, then cancel them; wait for
   * the workers. Status, Events and the Lease are the next parts to stop.
   */
  private async stopController(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ graceMs: this.graceMs, active: this.dispatcher.activeCount }, 'controller shutting down');
    this.scheduler.stop();
    this.queue.shutdown();
    await this.dispatcher.drain(this.graceMs);
    await Promise.all(this.workers);
    this.log.info({}, 'controller stopped');
  }

  private async work(): Promise<void> {
    const m = this.controllerMetrics;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const began = performance.now();
      try {
        const outcome = await this.controller.reconcile(key);
        this.queue.forget(key);
        if (outcome.requeueAfterMs !== undefined) {
          this.queue.addAfter(key, outcome.requeueAfterMs);
          m.reconciled(CONTROLLER_NAME, 'requeue_after');
        } else {
          m.reconciled(CONTROLLER_NAME, 'success');
        }
      } catch (error) {
        m.reconciled(CONTROLLER_NAME, 'error');
        this.log.warn(
          { job: key, retries: this.queue.numRequeues(key), error: String(error) },
          'reconcile failed',
        );
        this.queue.addRateLimited(key);
      } finally {
        m.reconcileTime.observe({ controller: CONTROLLER_NAME }, (performance.now() - began) / 1000);
        this.queue.done(key);
      }
    }
  }

  private async adopt(role: ReplicaRole = this.role()): Promise<void> {
    if (!this.opts.leftovers) return;
    try {
      const summary = await adoptLeftovers({
        source: this.opts.leftovers,
        instance: this.opts.instance,
        job: (namespace, name) => this.informer.get(name, namespace),
        controller: this.controller,
        dispatcher: this.dispatcher,
        role,
        clock: this.clock,
        logger: this.log,
        orphans: this.opts.orphanContainers,
      });
      this.log.info({ ...summary, instance: this.opts.instance }, 'leftover containers handled');
    } catch (error) {
      // Without the list, deterministic names and lastScheduleTime still prevent double runs.
      this.log.error({ error: String(error) }, 'could not list leftover containers');
    }
  }

  private async tookLead(): Promise<void> {
    if (this.stopping) return;
    if (!this.controllerStart) {
      // Not started yet: the controller's start adopts with this role, before any reconcile.
      this.leadsNow = true;
      return;
    }
    await this.controllerStart;
    if (this.stopping || this.leadsNow) return;
    // Adopt as the leader first, then schedule: reconciles until then still see a standby.
    await this.adopt({ ...this.role(), leads: true });
    if (this.stopping || !this.elector?.isLeader) return;
    this.leadsNow = true;
    for (const key of this.controller.allKeys()) this.queue.add(key);
  }

  /** Is the job of `state` this replica's to start now (cluster mode). */
  private ownsState(state: JobState): boolean {
    return ownsJob(state.job?.spec.placement, this.role(), state.uid);
  }

  /** A job's state was just created here: record the node, and hand over in cluster mode. */
  private takeOn(state: JobState): void {
    state.node = this.opts.nodeName;
    if (this.cluster) {
      this.cluster.takeOn(state, {
        setOwner: (node) => this.statusView.change(state, { owner: node }, true),
        recordLostRuns: (records, keep) => {
          let status = state.status;
          const spec = state.job?.spec;
          const limits = {
            successfulRunsHistoryLimit: spec?.successfulRunsHistoryLimit ?? 3,
            failedRunsHistoryLimit: spec?.failedRunsHistoryLimit ?? 3,
          };
          for (const record of records) status = { ...status, ...applyFinishedRun(status, record, limits) };
          this.statusView.change(
            state,
            {
              lastRun: status.lastRun,
              lastResult: status.lastResult,
              recentRuns: status.recentRuns,
              counters: status.counters,
              active: keep.length > 0 ? keep : null,
              activeCount: keep.length,
            },
            true,
          );
        },
        warn: (reason, message) => this.jobEvents.record(state, 'Warning', reason, message),
      });
    } else if (this.opts.nodeName && state.status.owner !== this.opts.nodeName) {
      this.statusView.change(state, { owner: this.opts.nodeName });
    }
  }

  /**
   * Cluster mode: what this replica may start changed (src/controller/ownership-change.ts decides).
   * Jobs no longer its own are released at once (the dispatcher refuses their starts already).
   * After a membership change or a fence only the jobs it gained (owned, no state yet) are
   * reconciled: about 1/N of them, not every job, and the owner lookups are the owner table's
   * (src/cluster/owner-table.ts). On becoming able to start runs, leftovers are adopted before
   * anything is scheduled, then every job is reconciled again (adoption may have created their state).
   */
  private ownershipChanged(why: OwnershipChangeReason): void {
    const cluster = this.cluster;
    if (!cluster) return;
    const running = cluster.mayRun();
    const wasRunning = this.clusterRunning;
    // Before the controller starts, its start adopts and reconciles everything with the role then.
    this.clusterRunning = running;
    if (this.stopping || !this.controllerStart) return;
    const known = (obj: JobObject | undefined, key: string): KnownJob => ({
      key,
      uid: obj?.metadata?.uid ?? '',
      placementNode: (obj?.spec as { placement?: { nodeName?: string } } | undefined)?.placement?.nodeName,
    });
    const jobs = this.informer
      .list()
      .map((obj) => known(obj, keyOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '')));
    const scheduled: KnownJob[] = [];
    for (const job of jobs) {
      const state = this.controller.state(job.key);
      if (state)
        scheduled.push({ ...job, uid: state.uid, placementNode: state.job?.spec.placement?.nodeName });
    }
    const plan = planOwnershipChange({
      why,
      running,
      wasRunning,
      scheduled,
      jobs,
      owns: (uid, node) => cluster.owns(uid, node),
    });
    for (const key of plan.release) this.controller.releaseOne(key, `cluster ownership changed (${why})`);
    this.opts.metrics?.cluster?.ownedJobs.set(this.controller.ownedCount);
    if (plan.reconcile === 'all') {
      void this.controllerStart
        .then(() => this.adopt())
        .then(() => {
          if (this.stopping) return;
          for (const key of this.controller.allKeys()) this.queue.add(key);
        });
      return;
    }
    for (const key of plan.reconcile) this.queue.add(key);
  }

  private lostLead(): void {
    this.leadsNow = false;
    // Stop firing unplaced jobs now; the reconciles queued below confirm it per job.
    for (const key of this.controller.allKeys()) this.queue.add(key);
    for (const key of this.controller.allKeys()) {
      const state = this.controller.state(key);
      if (state && !state.job?.spec.placement?.nodeName) this.controller.releaseOne(key, 'leadership lost');
    }
  }
}
