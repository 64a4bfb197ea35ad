/**
 * controller: from ScheduledDockerJobs to runs on time, with truthful status.
 *
 * Contract
 * - In: a KubeConfig (a cluster or the embedded API server), a RunExecutor (the JobRunner), this
 *   operator instance and an optional LeftoverSource (containers of an earlier process of the same
 *   instance), a Clock, a Logger, a Registry (or the metrics objects already made on it), this
 *   replica's node name and leader-election settings.
 * - Out: `start()` (resolves once the informer has synced and, with leader election, the first
 *   lease attempt is done), `ready()` for /readyz, `shutdown(graceMs)`; jobs run on time, their
 *   status and Events are written, metrics are recorded.
 * - Flow: informer -> work queue -> reconcile (pure decision + apply) -> schedule table on the
 *   timer wheel -> dispatcher (policy, limits, identity) -> runner; status through the coalescing,
 *   rate-limited status writer; Events through the aggregating recorder.
 * - Never: runs a scheduled time twice, runs a job another replica owns (placement, lease), touches
 *   another operator instance's containers, blocks a run on an API write, or reads process.env
 *   (everything comes in through the options).
 * See docs/controller.md.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { ClusterReplica, clusterTiming } from '../cluster/index.ts';
import { makeKubeClients } from '../kube/clients.ts';
import { EventRecorder } from '../kube/event-recorder.ts';
import { RestartingInformer } from '../kube/informer.ts';
import { type JobObject, jobsPath, kubeFinalizerClient, listJobs } from '../kube/job-api.ts';
import { kubeEventSink } from '../kube/kube-event-sink.ts';
import { kubeStatusPatch } from '../kube/kube-status-patch.ts';
import { KubeLeaseClient } from '../kube/lease-client.ts';
import { KubeMemberLeaseApi } from '../kube/member-lease-client.ts';
import { StatusWriter } from '../kube/status-writer.ts';
import type { Logger } from '../log/logger.ts';
import type { ClusterMetrics } from '../metrics/cluster-metrics.ts';
import { ControllerMetrics } from '../metrics/controller-metrics.ts';
import { SchedulerMetrics } from '../metrics/scheduler-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { adoptLeftovers, type LeftoverSource } from './adoption.ts';
import { Dispatcher, type RunExecutor } from './dispatcher.ts';
import { JobController, keyOf } from './job-controller.ts';
import type { JobState } from './job-state.ts';
import { LeaderElector } from './leader-election.ts';
import { ownsJob, type ReplicaRole } from './placement.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { Scheduler } from './scheduler.ts';
import { TokenBucket } from './token-bucket.ts';
import { WorkQueue } from './work-queue.ts';

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
}

export interface ControllerManagerOptions {
  kubeConfig: KubeConfig;
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
  metrics?: { controller: ControllerMetrics; scheduler: SchedulerMetrics; cluster?: ClusterMetrics };
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
}

export class ManagerStartError extends Error {
  readonly reason = 'InformerNotSynced';
}

export class ControllerManager {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly controllerMetrics: ControllerMetrics;
  private readonly schedulerMetrics: SchedulerMetrics;
  private readonly informer: RestartingInformer<JobObject>;
  private readonly queue: WorkQueue<string>;
  private readonly statusWriter: StatusWriter;
  private readonly events: EventRecorder;
  private readonly scheduler: Scheduler;
  private readonly dispatcher: Dispatcher;
  private readonly controller: JobController;
  private readonly elector: LeaderElector | undefined;
  private readonly cluster: ClusterReplica | undefined;
  private readonly workers: Promise<void>[] = [];
  /** With election: leader AND leftovers adopted for this term. */
  private leadsNow: boolean;
  private started = false;
  private stopping = false;

  constructor(private readonly opts: ControllerManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger.child({ component: 'controller' });
    const registry = opts.registry ?? new Registry();
    this.controllerMetrics = opts.metrics?.controller ?? new ControllerMetrics(registry);
    this.schedulerMetrics = opts.metrics?.scheduler ?? new SchedulerMetrics(registry);
    const clients = makeKubeClients(opts.kubeConfig);
    const clock = this.clock;

    this.informer = new RestartingInformer<JobObject>({
      resource: 'scheduleddockerjobs',
      kubeConfig: opts.kubeConfig,
      path: jobsPath(opts.namespace),
      list: listJobs(clients, opts.namespace),
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
      patch: kubeStatusPatch(clients),
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
      sink: kubeEventSink(clients),
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
    // The controller and dispatcher refer to each other through the host callbacks.
    let controller: JobController | undefined;
    this.dispatcher = new Dispatcher({
      executor: opts.executor,
      clock,
      logger: this.log,
      metrics: this.schedulerMetrics,
      maxConcurrentRunsPerDaemon: opts.maxConcurrentRunsPerDaemon,
      runQueueLimit: opts.runQueueLimit,
      mayStart: opts.cluster ? (state) => this.ownsState(state) : undefined,
      host: {
        changeStatus: (state, patch, urgent) => controller?.changeStatus(state, patch, urgent),
        event: (state, type, reason, message) => controller?.event(state, type, reason, message),
      },
    });
    this.scheduler = new Scheduler({
      clock,
      metrics: this.schedulerMetrics,
      onDue: (key, armed) => controller?.onDue(key, armed),
      onError: (error, key) => this.log.error({ job: key, error: String(error) }, 'due handler failed'),
    });
    controller = new JobController({
      cache: this.informer,
      statusWriter: this.statusWriter,
      events: this.events,
      finalizers: kubeFinalizerClient(clients),
      scheduler: this.scheduler,
      dispatcher: this.dispatcher,
      clock,
      logger: this.log,
      metrics: this.schedulerMetrics,
      role: () => this.role(),
      enqueue: (key) => this.queue.add(key),
      onTakeOn: (state) => this.takeOn(state),
    });
    this.controller = controller;

    if (opts.cluster && opts.nodeName) {
      this.cluster = new ClusterReplica({
        api: new KubeMemberLeaseApi(clients, opts.cluster.namespace, opts.instance),
        node: opts.nodeName,
        identity: opts.cluster.identity,
        timing: clusterTiming(opts.cluster.leaseDurationMs ?? 15_000),
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
        client: new KubeLeaseClient(clients, election.namespace, election.leaseName),
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

    const enqueue = (obj: JobObject) => {
      if (this.stopping) return;
      this.queue.add(keyOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
    };
    this.informer.on('add', enqueue);
    this.informer.on('update', enqueue);
    this.informer.on('delete', enqueue);
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

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.informer.start();
    const synced = await this.informer.waitForSync(this.opts.syncTimeoutMs ?? 60_000);
    if (!synced) throw new ManagerStartError('the ScheduledDockerJob informer did not sync in time');
    this.log.info({ jobs: this.informer.list().length }, 'informer synced');
    // Adopt first, then schedule: a catch-up must never start a run whose container still runs.
    await this.adopt();
    const workers = Math.max(1, this.opts.workers ?? 4);
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
    this.elector?.start();
    this.cluster?.start();
    for (const key of this.controller.allKeys()) this.queue.add(key);
  }

  /** For /readyz: informer synced and healthy, leader state known, not shutting down. */
  ready(): { ok: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!this.started) reasons.push('not started');
    if (this.stopping) reasons.push('shutting down');
    if (!this.informer.synced) reasons.push('informer not synced');
    else if (!this.informer.healthy) reasons.push('informer reconnecting');
    if (this.elector && !this.elector.stateKnown) reasons.push('leader election state unknown');
    if (this.cluster && !this.cluster.stateKnown) reasons.push('cluster membership unknown');
    return { ok: reasons.length === 0, reasons };
  }

  /**
   * Stop firing; let active runs finish for up to `graceMs`, then cancel them; flush status and
   * Events; release the lease; stop watching.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ graceMs, active: this.dispatcher.activeCount }, 'controller shutting down');
    this.scheduler.stop();
    this.queue.shutdown();
    await this.dispatcher.drain(graceMs);
    await Promise.all(this.workers);
    const flushed = await this.statusWriter.flush(10_000);
    if (!flushed)
      this.log.warn({ pending: this.statusWriter.pendingCount }, 'status changes not written before exit');
    this.statusWriter.stop();
    await this.events.flush(2_000);
    this.events.stop();
    await this.elector?.stop();
    await this.cluster?.stop();
    await this.informer.stop();
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
          m.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'requeue_after' });
        } else {
          m.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'success' });
        }
      } catch (error) {
        m.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: 'error' });
        m.reconcileErrors.inc({ controller: CONTROLLER_NAME });
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
        jobs: this.informer.list(),
        controller: this.controller,
        dispatcher: this.dispatcher,
        role,
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
        changeStatus: (patch) => this.controller.changeStatus(state, patch, true),
        warn: (reason, message) => this.controller.event(state, 'Warning', reason, message),
      });
    } else if (this.opts.nodeName && state.status.owner !== this.opts.nodeName) {
      this.controller.changeStatus(state, { owner: this.opts.nodeName });
    }
  }

  /**
   * Cluster mode: what this replica may start changed. Jobs no longer its own are released at
   * once (the dispatcher refuses their starts already); on becoming active, leftovers are adopted
   * before anything is scheduled; then every job is reconciled again.
   */
  private ownershipChanged(why: 'members' | 'active' | 'inactive'): void {
    if (this.stopping) return;
    for (const key of this.controller.allKeys()) {
      const state = this.controller.state(key);
      if (state && !this.ownsState(state))
        this.controller.releaseOne(key, `cluster ownership changed (${why})`);
    }
    this.cluster && this.opts.metrics?.cluster?.ownedJobs.set(this.controller.ownedCount);
    if (why === 'active') {
      void this.adopt().then(() => {
        if (this.stopping) return;
        for (const key of this.controller.allKeys()) this.queue.add(key);
      });
      return;
    }
    for (const key of this.controller.allKeys()) this.queue.add(key);
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
