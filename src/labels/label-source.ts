/**
 * The live Docker-label source (`ofelia-operator run --docker-labels`): keeps the
 * ScheduledDockerJobs of one namespace in step with the `ofelia.*` labels of the containers on
 * the node-local daemon, as Ofelia users configure jobs today.
 *
 * A pass ("resync") lists the labelled containers, translates their labels (import/, the same code
 * as `import ofelia --docker`), and applies the difference (sync-plan.ts) through the API: create,
 * replace, delete. Passes run after container events (coalesced: one pass for a burst of events,
 * never two at once), every `resyncMs`, and after the event stream reconnects; so a missed event
 * costs at most one period, and a busy daemon never causes more than one pass in flight.
 *
 * Jobs carry `ofelia.dev/imported-from: docker-labels` and this source's owner label; it never
 * replaces or deletes anything else (a user's job of the same name is logged as a conflict and
 * left alone). Names hold the Compose project and service, or the container name, so two
 * projects' jobs of one name never collide. Jobs are placed on this node (spec.placement.nodeName).
 * Issues in the labels (a bad schedule, JSON that is not) are logged with the container and
 * label, never a value. Time comes from the Clock; a failed pass is retried at the next trigger.
 */
import { formatIssue, importLabels, type KubeObject } from '../import/index.ts';
import { kubeName } from '../import/names.ts';
import { IMPORT_NOTE_ANNOTATION } from '../import/secret-book.ts';
import type { Logger } from '../log/logger.ts';
import type { DockerLabelAction, DockerLabelMetrics } from '../metrics/docker-label-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import type { ContainerEventSource } from './container-events.ts';
import type { LabelledListing } from './container-list.ts';
import type { LabelStores } from './object-store.ts';
import { OWNER_LABEL, planSync, type SyncAction } from './sync-plan.ts';

export const LABEL_SOURCE_ORIGIN = 'docker-labels';
export const CONTAINER_ANNOTATION = 'ofelia.dev/docker-container';
export const CONTAINER_ID_ANNOTATION = 'ofelia.dev/docker-container-id';
/** Events within this window share one pass. */
export const EVENT_COALESCE_MS = 300;
type LabelKind = keyof LabelStores;
/** Secrets before the notifiers that read them, before the jobs the notifiers select. */
const CREATE_ORDER: readonly LabelKind[] = ['secrets', 'notifiers', 'jobs'];
const KIND_NAMES: Record<LabelKind, string> = {
  secrets: 'Secret',
  notifiers: 'JobNotifier',
  jobs: 'ScheduledDockerJob',
};
/** The log field that names an object of the kind. */
const KIND_FIELDS: Record<LabelKind, string> = { secrets: 'secret', notifiers: 'notifier', jobs: 'job' };
const KIND_WORDS: Record<LabelKind, string> = { secrets: 'Secret', notifiers: 'notifier', jobs: 'job' };
/** Conflicts remembered as warned about; past it the memory starts over (a warning again each). */
const MAX_WARNED_CONFLICTS = 10_000;
/** Delay before a pass with a failed write is tried again. */
export const RETRY_MS = 5000;
/** Reconnect delays of the event stream (doubling). */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

export interface LabelSourceOptions {
  /** The labelled containers of the node-local daemon (container-list.ts). */
  listContainers: () => Promise<LabelledListing>;
  events: ContainerEventSource;
  /** Where its Secrets, JobNotifiers and jobs are kept. */
  stores: LabelStores;
  namespace: string;
  nodeName: string;
  resyncMs: number;
  clock: Clock;
  log: Logger;
  metrics?: DockerLabelMetrics;
}

export interface SyncStats {
  created: number;
  replaced: number;
  deleted: number;
  conflicts: number;
}

/** The owner label value for a node (a label value: at most 63 characters). */
export function ownerFor(nodeName: string): string {
  return (
    kubeName(nodeName)
      .slice(0, 63)
      .replace(/[^a-z0-9]+$/, '') || 'node'
  );
}

export class LabelSource {
  private readonly owner: string;
  private running = false;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private coalesceTimer: TimerHandle | undefined;
  private periodTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private reconnectMs = RECONNECT_MIN_MS;
  private subscription: { stop(): void } | undefined;
  /** Totals since start, for tests and logs. */
  readonly stats: SyncStats = { created: 0, replaced: 0, deleted: 0, conflicts: 0 };
  /** Conflicts and refusals already warned about, so that each is said once (bounded). */
  private readonly warnedConflicts = new Set<string>();
  private passes = 0;
  private readonly passWaiters: Array<{ after: number; resolve: () => void }> = [];

  constructor(private readonly opts: LabelSourceOptions) {
    this.owner = ownerFor(opts.nodeName);
  }

  /** Opens the event stream and runs the first pass (its failure is logged, not thrown). */
  async start(): Promise<void> {
    this.running = true;
    await this.connect();
    await this.resync();
    this.armPeriod();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.subscription?.stop();
    this.subscription = undefined;
    for (const t of [this.coalesceTimer, this.periodTimer, this.reconnectTimer, this.retryTimer])
      if (t) this.opts.clock.clearTimeout(t);
    await this.inFlight;
  }

  /** Resolves when the pass in flight, or else the next pass, has finished (tests, readiness). */
  nextPass(): Promise<void> {
    return new Promise((resolve) => this.passWaiters.push({ after: this.passes, resolve }));
  }

  /** One pass now, or right after the one in flight. */
  resync(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.pass().finally(() => {
      this.inFlight = undefined;
      this.passes++;
      for (const w of this.passWaiters.splice(0)) {
        if (w.after < this.passes) w.resolve();
        else this.passWaiters.push(w);
      }
      if (this.again && this.running) {
        this.again = false;
        void this.resync();
      }
    });
    return this.inFlight;
  }

  private async pass(): Promise<void> {
    const { log } = this.opts;
    let desired: Record<LabelKind, KubeObject[]>;
    try {
      const listing = await this.opts.listContainers();
      if (listing.truncated) log.warn({}, 'too many labelled containers: the list was cut');
      desired = this.translate(listing.containers);
    } catch (e) {
      log.warn(
        { err: (e as Error).message },
        'docker labels could not be read; retrying at the next event or resync',
      );
      return;
    }
    let failed = false;
    const plans: Array<{ kind: LabelKind; actions: SyncAction[] }> = [];
    for (const kind of CREATE_ORDER) {
      try {
        const existing = await this.opts.stores[kind].list();
        plans.push({ kind, actions: planSync(desired[kind], existing, this.owner, KIND_NAMES[kind]) });
      } catch (e) {
        if ((e as { code?: number }).code === 403) {
          // Not granted (cluster mode without the optional Role: migrating-from-ofelia.md): the
          // other kinds go on, and retrying sooner than the next pass would change nothing.
          this.warnOnce(
            `forbidden/${kind}`,
            { kind: KIND_NAMES[kind] },
            'docker-label objects of this kind may not be listed: grant the RBAC to keep them',
          );
          continue;
        }
        failed = true;
        log.warn(
          { err: (e as Error).message, kind: KIND_NAMES[kind] },
          'docker-label objects could not be listed; retrying shortly',
        );
      }
    }
    // Creates and replaces first, Secrets before the notifiers that read them before the jobs they
    // select; deletes after, the other way round, so nothing is briefly without what it refers to.
    const writes = plans.flatMap((p) =>
      p.actions.filter((a) => a.kind !== 'delete').map((a) => ({ ...p, a })),
    );
    const deletes = plans
      .slice()
      .reverse()
      .flatMap((p) => p.actions.filter((a) => a.kind === 'delete').map((a) => ({ ...p, a })));
    for (const { kind, a } of [...writes, ...deletes]) {
      if (!this.running) return;
      try {
        await this.apply(kind, a);
      } catch (e) {
        failed = true;
        log.warn(
          { err: (e as Error).message, action: a.kind, kind: KIND_NAMES[kind] },
          'docker-label object not written; retrying shortly',
        );
      }
    }
    // A write that failed (a conflict on resourceVersion, the API server briefly away) is retried
    // after RETRY_MS, not only at the next event or resync; one timer, so never a storm.
    this.opts.metrics?.passes.inc({ result: failed ? 'failed' : 'ok' });
    if (failed) this.scheduleRetry();
  }

  /**
   * The labels as the objects they ask for. Secret values are written (the labels hold them in
   * plain text already; a Secret keeps them out of the notifiers' specs), except a Secret the user
   * must fill in (an env file only Ofelia's container could read): that one stays the user's.
   */
  private translate(containers: LabelledListing['containers']): Record<LabelKind, KubeObject[]> {
    const { log } = this.opts;
    const t = importLabels(containers, {
      namespace: this.opts.namespace,
      includeSecrets: true,
      origin: LABEL_SOURCE_ORIGIN,
      scopeLabels: { [OWNER_LABEL]: this.owner },
      scopeName: this.owner,
      metadata: (s) => ({
        labels: { [OWNER_LABEL]: this.owner },
        annotations: {
          [CONTAINER_ANNOTATION]: s.container?.name ?? '',
          [CONTAINER_ID_ANNOTATION]: s.container?.id ?? '',
        },
      }),
    });
    for (const issue of t.issues) log.warn({ issue: formatIssue(issue) }, 'docker label not translated');
    this.opts.metrics?.untranslated.set(t.issues.length);
    return {
      secrets: t.secrets.filter((x) => x.metadata.annotations?.[IMPORT_NOTE_ANNOTATION] === undefined),
      notifiers: t.notifiers,
      jobs: t.jobs.map((j) => ({
        ...j,
        spec: { ...(j.spec as object), placement: { nodeName: this.opts.nodeName } },
      })),
    };
  }

  private async apply(kind: LabelKind, action: SyncAction): Promise<void> {
    const { log, metrics } = this.opts;
    const store = this.opts.stores[kind];
    const count = (a: DockerLabelAction) =>
      kind === 'jobs'
        ? metrics?.jobWrites.inc({ action: a })
        : metrics?.notifierWrites.inc({ kind: KIND_NAMES[kind], action: a });
    const what = {
      [KIND_FIELDS[kind]]:
        action.kind === 'create' || action.kind === 'replace' ? action.object.metadata.name : action.name,
    };
    switch (action.kind) {
      case 'create':
        try {
          await store.create(action.object);
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
          // Not in our list but taken: a user's object (or another source's). Never touched.
          this.stats.conflicts++;
          count('conflict');
          this.warnConflict(
            kind,
            action.object.metadata.name,
            what,
            'taken by one not made from these labels; left alone',
          );
          return;
        }
        this.warnedConflicts.delete(`${kind}/${action.object.metadata.name}`);
        this.stats.created++;
        count('create');
        log.info(what, `${KIND_WORDS[kind]} from docker labels created`);
        return;
      case 'replace':
        await store.replace(action.object, action.existing);
        this.stats.replaced++;
        count('replace');
        log.info(what, `${KIND_WORDS[kind]} from docker labels updated`);
        return;
      case 'delete':
        await store.delete(action.name);
        this.stats.deleted++;
        count('delete');
        log.info(what, `${KIND_WORDS[kind]} from docker labels deleted (container gone)`);
        return;
      case 'conflict':
        this.stats.conflicts++;
        count('conflict');
        this.warnConflict(kind, action.name, what, action.reason);
        return;
    }
  }

  /**
   * A name the labels want, held by an object this source did not make: a warning the first time
   * (every pass would say it again, every event and resync, for as long as it lasts), then debug.
   * The metric counts every pass.
   */
  private warnConflict(kind: LabelKind, name: string, what: Record<string, string>, reason: string): void {
    this.warnOnce(`${kind}/${name}`, { ...what, reason }, 'docker-label object name taken');
  }

  /** A warning the first time for `key`, then debug (bounded memory of what was said). */
  private warnOnce(key: string, fields: Record<string, string>, message: string): void {
    const first = !this.warnedConflicts.has(key);
    if (first) {
      if (this.warnedConflicts.size >= MAX_WARNED_CONFLICTS) this.warnedConflicts.clear();
      this.warnedConflicts.add(key);
    }
    this.opts.log[first ? 'warn' : 'debug'](fields, message);
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    this.retryTimer = this.opts.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.resync();
    }, RETRY_MS);
  }

  private onEvent(): void {
    if (!this.running || this.coalesceTimer) return;
    this.coalesceTimer = this.opts.clock.setTimeout(() => {
      this.coalesceTimer = undefined;
      void this.resync();
    }, EVENT_COALESCE_MS);
  }

  private armPeriod(): void {
    if (!this.running) return;
    this.periodTimer = this.opts.clock.setTimeout(() => {
      void this.resync().finally(() => this.armPeriod());
    }, this.opts.resyncMs);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    try {
      this.subscription = await this.opts.events.subscribe(
        () => this.onEvent(),
        (err) => {
          this.subscription = undefined;
          this.opts.log.warn({ err: err?.message }, 'docker event stream ended; reconnecting');
          this.scheduleReconnect();
        },
      );
      this.reconnectMs = RECONNECT_MIN_MS;
    } catch (e) {
      this.opts.log.warn({ err: (e as Error).message }, 'docker event stream could not be opened; retrying');
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const delay = this.reconnectMs;
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = this.opts.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      // Events may have been missed while disconnected: a pass follows the reconnect.
      void this.connect().then(() => this.resync());
    }, delay);
  }
}
