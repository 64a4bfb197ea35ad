/**
 * The notifier controller: JobNotifiers in, messages out.
 *
 * - Watches JobNotifiers (a restarting informer). Each one is validated (validate-notifier.ts)
 *   and resolved (its Secrets read, its save folder checked against --notify-save-dir); the
 *   outcome is its `Ready` condition. Secrets are re-read every `resyncMs` (default 30 s), so a
 *   Secret created or fixed later makes the notifier Ready without touching it.
 * - Hears run events (a RunObserver on the manager's bus). `observe` only decides — which
 *   notifiers of the job's namespace select the job (jobSelector, the job's opt-out/opt-in), which
 *   notifier events the run event stands for, the per-job cooldown — and queues a message on the
 *   notifier's own bounded DeliveryWorker; it never waits for I/O, so runs are never delayed.
 * - Reports per notifier: status (Ready, last delivery time/result/error, counters; writes
 *   coalesced, one in flight per notifier), a Warning Event `NotificationFailed` when a delivery
 *   is given up, and metrics (metrics/notify-metrics.ts). Errors in status, Events and logs carry
 *   reasons and HTTP/SMTP codes only, never an address or a credential.
 *
 * Only the replica that runs a job hears its run events, so each message is sent once.
 */
import type { EventTarget } from '../api/job-reporting.ts';
import { notifierApplies, notifierEvents } from '../api/notifier-applies.ts';
import {
  type JobNotifier,
  NOTIFIER_KIND,
  type NotifierCountersSchema,
  type NotifyEvent,
} from '../api/notifier-schema.ts';
import { API_VERSION, type Condition } from '../api/schema.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';
import { READY, sameCondition, setCondition } from '../controller/conditions.ts';
import type { RunEvent, RunObserver } from '../controller/run-events/run-event.ts';
import { EventRecorder, type EventSink } from '../kube/event-recorder.ts';
import { RestartingInformer } from '../kube/informer.ts';
import type { Logger } from '../log/logger.ts';
import { type Runnable, runnable } from '../machinery/runnable.ts';
import { TokenBucket } from '../machinery/token-bucket.ts';
import type { NotifyMetrics } from '../metrics/notify-metrics.ts';
import type { SecretSource } from '../runner/secret-source.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { Cooldown } from './cooldown.ts';
import { DeliveryError } from './delivery-error.ts';
import { type DeliveryOutcome, type DeliveryPolicy, DeliveryWorker } from './delivery-worker.ts';
import { HTTP_FORMATTERS } from './formatters/index.ts';
import { sendHttp } from './http-delivery.ts';
import { type MailSender, mailSender } from './mail-delivery.ts';
import { buildNotification, headline, type Notification, notifyEventsOf } from './notification.ts';
import {
  type NotifierApi,
  type NotifierObject,
  type NotifierStatusPatch,
  notifiersPath,
} from './notifier-api.ts';
import { RecoveryTracker } from './recovery-tracker.ts';
import { type ResolvedNotifier, resolveNotifier } from './resolve-notifier.ts';
import { saveNotification } from './save-delivery.ts';

type Counters = { [K in keyof typeof NotifierCountersSchema.shape]: number };

export interface NotifierControllerOptions {
  /** The JobNotifier calls: HTTPS or in-process, as the composition root chose. */
  api: NotifierApi;
  /** Where its Events go (the same choice). */
  events: EventSink;
  secrets: SecretSource;
  clock: Clock;
  logger: Logger;
  metrics: NotifyMetrics;
  /** Watch one namespace; all when omitted. */
  namespace?: string;
  /** Folders `save` notifiers may write into (--notify-save-dir). */
  saveDirs: readonly string[];
  /** Base URL of the dashboard; messages link to `<base>/jobs/<namespace>/<job>`. */
  dashboardBaseUrl?: string;
  /** How often Secrets are re-read for every notifier (default 30 s). */
  resyncMs?: number;
  /** How long start() waits for the first list (default 60 s). */
  syncTimeoutMs?: number;
}

interface Entry {
  key: string;
  namespace: string;
  name: string;
  target: EventTarget;
  generation: number | undefined;
  /** The validated notifier; undefined while its spec is invalid. */
  notifier: JobNotifier | undefined;
  resolved: ResolvedNotifier | undefined;
  ready: { status: Condition['status']; reason: string; message: string };
  conditions: Condition[] | undefined;
  cooldown: Cooldown;
  cooldownSeconds: number;
  worker: DeliveryWorker;
  mail: MailSender | undefined;
  /** The notifier `mail` was built for. */
  mailFor: JobNotifier | undefined;
  counters: Counters;
  last: { time: string; result: 'Delivered' | 'Failed'; error: string | null } | undefined;
  /** A resolution in progress (a newer one supersedes it). */
  resolving: number;
  writing: boolean;
  dirty: boolean;
  deleted: boolean;
}

export class NotifierController implements RunObserver {
  readonly name = 'notifier';
  private readonly entries = new Map<string, Entry>();
  private readonly informer: RestartingInformer<NotifierObject>;
  private readonly events: EventRecorder;
  private readonly recovery = new RecoveryTracker();
  private readonly log: Logger;
  private resyncTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: NotifierControllerOptions) {
    this.log = opts.logger.child({ component: 'notifier' });
    this.informer = new RestartingInformer<NotifierObject>({
      resource: 'jobnotifiers',
      path: notifiersPath(opts.namespace),
      list: opts.api.list(opts.namespace),
      informerFactory: opts.api.informerFactory,
      clock: opts.clock,
      logger: this.log,
    });
    this.events = new EventRecorder({
      sink: opts.events,
      clock: opts.clock,
      logger: this.log,
      bucket: new TokenBucket({ ratePerSecond: 5, burst: 10, clock: opts.clock }),
      component: 'ofelia-operator-notifier',
    });
    this.informer.on('add', (o) => this.upsert(o));
    this.informer.on('update', (o) => this.upsert(o));
    this.informer.on('delete', (o) => this.remove(o));
  }

  /** Informer first (synced before runs start), then the resync timer; stopped in reverse. */
  runnables(): Runnable[] {
    return [
      runnable('notifier-informer', {
        start: async () => {
          this.informer.start();
          const synced = await this.informer.waitForSync(this.opts.syncTimeoutMs ?? 60_000);
          if (!synced) throw new Error('the JobNotifier informer did not sync in time');
          this.log.info({ notifiers: this.entries.size }, 'notifier informer synced');
        },
        stop: () => this.informer.stop(),
      }),
      runnable('notifier-events', {
        stop: async () => {
          await this.events.flush(2_000);
          this.events.stop();
        },
      }),
      runnable('notifier-deliveries', {
        start: () => this.armResync(),
        stop: () => this.stop(),
      }),
    ];
  }

  /** Resolves when every queued message has been handled and status written (tests, shutdown). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.worker.whenIdle()));
  }

  observe(event: RunEvent): void {
    if (this.stopped) return;
    let kinds: NotifyEvent[];
    if (event.type === 'Finished') kinds = notifyEventsOf(event, this.recovery.finished(event));
    else kinds = notifyEventsOf(event, false);
    if (kinds.length === 0) return;
    const job = event.job.job;
    const facts = { labels: job?.labels, notifications: job?.spec.notifications };
    if (facts.notifications?.enabled === false) return;
    for (const entry of this.entries.values()) {
      if (entry.namespace !== event.job.namespace || !entry.notifier || entry.deleted) continue;
      const spec = entry.notifier.spec;
      // The same decision the dashboard's job page shows (api/notifier-applies.ts).
      if (!notifierApplies(facts, { name: entry.name, spec }).applies) continue;
      const wanted = notifierEvents(spec);
      for (const kind of kinds) {
        if (!wanted.includes(kind)) continue;
        this.enqueue(entry, event, kind);
      }
    }
  }

  private enqueue(entry: Entry, event: RunEvent, kind: NotifyEvent): void {
    const labels = { namespace: entry.namespace, notifier: entry.name };
    const admitted = entry.cooldown.admit(event.job.key, kind, event.atMs);
    if (!admitted.send) {
      entry.counters.suppressed++;
      this.opts.metrics.suppressed.inc(labels);
      this.writeStatus(entry);
      return;
    }
    const spec = (entry.notifier as JobNotifier).spec;
    const n = buildNotification(
      event,
      kind,
      { outputTailBytes: spec.outputTailBytes, dashboardBaseUrl: this.opts.dashboardBaseUrl },
      admitted.suppressed,
    );
    if (!entry.worker.offer(n)) {
      entry.counters.dropped++;
      this.opts.metrics.dropped.inc(labels);
      this.log.warn(
        { notifier: entry.key, job: event.job.key, event: kind },
        'notification dropped: queue full',
      );
      this.writeStatus(entry);
    }
  }

  private upsert(obj: NotifierObject): void {
    if (this.stopped) return;
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    const key = `${namespace}/${name}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.newEntry(key, namespace, name, obj);
      this.entries.set(key, entry);
    }
    entry.target = { apiVersion: API_VERSION, kind: NOTIFIER_KIND, namespace, name, uid: obj.metadata?.uid };
    entry.conditions = obj.status?.conditions ?? entry.conditions;
    if (entry.generation === obj.metadata?.generation && entry.notifier) return;
    entry.generation = obj.metadata?.generation;
    const validation = validateJobNotifier(obj);
    if (!validation.ok) {
      entry.notifier = undefined;
      entry.resolved = undefined;
      const message = validation.causes.map((c) => `${c.field}: ${c.message}`).join('; ');
      this.setReady(entry, 'False', 'InvalidSpec', message);
      return;
    }
    entry.notifier = validation.notifier;
    if (entry.cooldownSeconds !== validation.notifier.spec.cooldownSeconds) {
      entry.cooldownSeconds = validation.notifier.spec.cooldownSeconds;
      entry.cooldown = new Cooldown(entry.cooldownSeconds * 1000);
    }
    void this.resolve(entry);
  }

  private newEntry(key: string, namespace: string, name: string, obj: NotifierObject): Entry {
    const labels = { namespace, notifier: name };
    const entry: Entry = {
      key,
      namespace,
      name,
      target: { apiVersion: API_VERSION, kind: NOTIFIER_KIND, namespace, name, uid: obj.metadata?.uid },
      generation: undefined,
      notifier: undefined,
      resolved: undefined,
      ready: { status: 'Unknown', reason: 'Pending', message: '' },
      conditions: obj.status?.conditions,
      cooldown: new Cooldown(0),
      cooldownSeconds: 0,
      mail: undefined,
      mailFor: undefined,
      counters: { delivered: 0, failed: 0, suppressed: 0, dropped: 0, ...(obj.status?.counters ?? {}) },
      last: undefined,
      resolving: 0,
      writing: false,
      dirty: false,
      deleted: false,
      worker: undefined as unknown as DeliveryWorker,
    };
    entry.worker = new DeliveryWorker({
      clock: this.opts.clock,
      deliver: (n) => this.deliver(entry, n),
      policy: () => this.policyOf(entry),
      onOutcome: (o) => this.delivered(entry, o),
      onAttempt: (s) => this.opts.metrics.deliverySeconds.observe(labels, s),
      onQueueChange: (length) => this.opts.metrics.queued.set(labels, length),
    });
    return entry;
  }

  private policyOf(entry: Entry): DeliveryPolicy {
    const spec = entry.notifier?.spec;
    return {
      retries: spec?.retry?.limit ?? 3,
      initialBackoffMs: (spec?.retry?.initialBackoffSeconds ?? 1) * 1000,
      maxBackoffMs: (spec?.retry?.maxBackoffSeconds ?? 60) * 1000,
      queueLimit: spec?.queueLimit ?? 100,
    };
  }

  private async resolve(entry: Entry): Promise<void> {
    const notifier = entry.notifier;
    if (!notifier || entry.deleted) return;
    const attempt = ++entry.resolving;
    const resolution = await resolveNotifier(
      entry.namespace,
      notifier.spec,
      this.opts.secrets,
      this.opts.saveDirs,
    );
    if (attempt !== entry.resolving || entry.deleted || entry.notifier !== notifier) return;
    if (!resolution.ready) {
      entry.resolved = undefined;
      this.setReady(entry, 'False', resolution.reason, resolution.message);
      return;
    }
    const before = entry.resolved;
    entry.resolved = resolution.resolved;
    // A new transport when the SMTP settings (a new spec) or the credentials changed.
    const changed = entry.mailFor !== notifier || JSON.stringify(before) !== JSON.stringify(entry.resolved);
    if (notifier.spec.type === 'email' && notifier.spec.email && changed) {
      entry.mail?.close();
      entry.mail = mailSender(
        notifier.spec.email,
        resolution.resolved.credentials,
        notifier.spec.timeoutSeconds * 1000,
      );
      entry.mailFor = notifier;
    }
    this.setReady(entry, 'True', 'Ready', `delivering ${notifier.spec.type} notifications`);
  }

  private async deliver(entry: Entry, n: Notification): Promise<void> {
    const notifier = entry.notifier;
    const resolved = entry.resolved;
    if (!notifier || !resolved) {
      throw new DeliveryError('NotReady', `notifier not ready: ${entry.ready.reason}`, false);
    }
    const timeoutMs = notifier.spec.timeoutSeconds * 1000;
    if (notifier.spec.type === 'email') {
      await (entry.mail as MailSender).send(n);
      return;
    }
    if (notifier.spec.type === 'save') {
      await saveNotification(
        n,
        notifier.spec.save as NonNullable<typeof notifier.spec.save>,
        this.opts.saveDirs,
        this.opts.clock.now(),
      );
      return;
    }
    const format = HTTP_FORMATTERS[notifier.spec.type];
    if (!format) throw new Error(`no formatter for ${notifier.spec.type}`);
    const request = format(n, {
      address: resolved.address,
      credentials: resolved.credentials,
      notifier: entry.key,
    });
    request.headers = { ...request.headers, ...resolved.headers };
    await sendHttp(request, timeoutMs);
  }

  private delivered(entry: Entry, outcome: DeliveryOutcome): void {
    const labels = { namespace: entry.namespace, notifier: entry.name };
    const n = outcome.notification;
    const time = new Date(outcome.atMs).toISOString();
    if (outcome.ok) {
      entry.counters.delivered++;
      entry.last = { time, result: 'Delivered', error: null };
      this.opts.metrics.delivered.inc(labels);
      this.log.debug(
        { notifier: entry.key, job: `${n.namespace}/${n.job}`, event: n.event, attempts: outcome.attempts },
        'notification delivered',
      );
    } else {
      const error = outcome.error;
      const why = `${error?.reason ?? 'Error'}: ${error?.message ?? ''}`;
      entry.counters.failed++;
      entry.last = { time, result: 'Failed', error: why };
      this.opts.metrics.failed.inc({ ...labels, reason: error?.reason ?? 'Network' });
      this.log.warn(
        {
          notifier: entry.key,
          job: `${n.namespace}/${n.job}`,
          event: n.event,
          attempts: outcome.attempts,
          reason: error?.reason,
          error: error?.message,
        },
        'notification delivery failed',
      );
      this.events.record(
        entry.target,
        'Warning',
        'NotificationFailed',
        `${headline(n)}: not delivered after ${outcome.attempts} attempt(s): ${why}`,
      );
    }
    this.writeStatus(entry);
  }

  private setReady(entry: Entry, status: Condition['status'], reason: string, message: string): void {
    const changed =
      entry.ready.status !== status || entry.ready.reason !== reason || entry.ready.message !== message;
    entry.ready = { status, reason, message };
    if (
      !changed &&
      sameCondition(
        entry.conditions?.find((c) => c.type === READY),
        this.desiredReady(entry),
      )
    )
      return;
    if (status !== 'True') this.log.info({ notifier: entry.key, reason, message }, 'notifier not ready');
    this.writeStatus(entry);
  }

  private desiredReady(entry: Entry) {
    return {
      type: READY,
      status: entry.ready.status,
      reason: entry.ready.reason,
      message: entry.ready.message.slice(0, 1024),
      observedGeneration: entry.generation,
    };
  }

  /** Coalesced: at most one write in flight per notifier; changes meanwhile go in the next one. */
  private writeStatus(entry: Entry): void {
    if (entry.deleted || this.stopped) return;
    if (entry.writing) {
      entry.dirty = true;
      return;
    }
    entry.writing = true;
    void (async () => {
      try {
        do {
          entry.dirty = false;
          entry.conditions = setCondition(
            entry.conditions,
            this.desiredReady(entry),
            new Date(this.opts.clock.now()).toISOString(),
          );
          const patch: NotifierStatusPatch = {
            observedGeneration: entry.generation,
            conditions: entry.conditions,
            counters: { ...entry.counters },
          };
          if (entry.last) {
            patch.lastDeliveryTime = entry.last.time;
            patch.lastDeliveryResult = entry.last.result;
            patch.lastError = entry.last.error;
          }
          try {
            await this.opts.api.patchStatus(entry.namespace, entry.name, patch);
          } catch (error) {
            this.log.warn(
              { notifier: entry.key, error: (error as Error).message?.slice(0, 200) },
              'notifier status not written',
            );
          }
        } while (entry.dirty && !entry.deleted && !this.stopped);
      } finally {
        entry.writing = false;
      }
    })();
  }

  private remove(obj: NotifierObject): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.deleted = true;
    this.entries.delete(key);
    void entry.worker.stop();
    entry.mail?.close();
    this.opts.metrics.forget(entry.namespace, entry.name);
  }

  private armResync(): void {
    if (this.stopped) return;
    this.resyncTimer = this.opts.clock.setTimeout(() => {
      for (const entry of this.entries.values()) void this.resolve(entry);
      this.armResync();
    }, this.opts.resyncMs ?? 30_000);
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) this.opts.clock.clearTimeout(this.resyncTimer);
    // Give queued messages a moment (bounded by each notifier's timeouts), then stop the workers.
    const idle = this.whenIdle();
    await Promise.race([idle, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await Promise.all([...this.entries.values()].map((e) => e.worker.stop()));
    for (const e of this.entries.values()) e.mail?.close();
  }
}
