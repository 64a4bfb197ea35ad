/**
 * An informer that keeps itself alive. client-node's informer re-lists on a 410 and re-watches
 * when a stream closes, but STOPS on any other error (a refused connection, a 500, a timeout);
 * this wrapper restarts it with exponential backoff (500 ms doubling to 30 s, reset by a
 * successful list, any watch event, or a watch that stayed open for the longest backoff) and
 * counts restarts. A restart re-watches from the last resource version (client-node re-lists only
 * after a 410), so on a quiet cluster it may see no list and no event: a watch that opens counts.
 *
 * Out: the cache (`get`, `list`), add/update/delete callbacks, `synced` (true once a list
 * succeeded) and `healthy` (false between an error and the next successful list, open watch or
 * event).
 * Never: reads the clock itself (timers go through the Clock), restarts after `stop()`.
 */
import type {
  Informer,
  KubernetesListObject,
  KubernetesObject,
  ListPromise,
  ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { describeError } from './api-errors.ts';

export interface RestartingInformerOptions<T extends KubernetesObject> {
  /** For logs and metrics (e.g. "scheduleddockerjobs"). */
  resource: string;
  /** The list/watch path, e.g. /apis/ofelia.dev/v1alpha1/scheduleddockerjobs. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  clock: Clock;
  logger: Logger;
  metrics?: ControllerMetrics;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Makes the underlying informer: over HTTPS client-node's, its cache trimmed
   * (trimming-informer.ts, given by http-job-transport.ts); in-process the store's
   * (src/in-process-client); a fake in tests. Passed in, so this file loads no client-node.
   */
  informerFactory: InformerFactory<T>;
}

/**
 * Makes the informer under the restarts. `list` is the list call to use; an informer that lists
 * by other means (the in-process one reads the store) calls `onListed` after each list instead.
 */
export type InformerFactory<T extends KubernetesObject> = (
  path: string,
  list: ListPromise<T>,
  onListed: () => void,
) => Informer<T> & ObjectCache<T> & CacheExtras;

export type InformerEvent = 'add' | 'update' | 'delete';

/** What an informer may answer without listing (and parsing) its whole cache. */
export interface CacheExtras {
  readonly size?: number;
  keys?(): string[];
}

export class RestartingInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T> & CacheExtras;
  private stopped = true;
  private listedOnce = false;
  private failing = false;
  private failures = 0;
  private restartTimer: TimerHandle | undefined;
  /** Errors reported so far: tells whether a start() failed. */
  private errors = 0;
  /** When the current watch opened (undefined while none is open). */
  private watchOpenedAt: number | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(private readonly opts: RestartingInformerOptions<T>) {
    const listed = () => {
      this.succeeded();
      if (!this.listedOnce) {
        this.listedOnce = true;
        // Callbacks for the listed items run right after this returns; resolve waiters after them.
        queueMicrotask(() => {
          for (const resolve of this.syncWaiters.splice(0)) resolve();
        });
      }
    };
    const list = async () => {
      const result = await opts.list();
      listed();
      return result;
    };
    this.informer = opts.informerFactory(opts.path, list, listed);
    this.informer.on('error', (error: unknown) => this.failed(error));
    for (const verb of ['add', 'update', 'delete'] as const) this.informer.on(verb, () => this.succeeded());
  }

  get synced(): boolean {
    return this.listedOnce;
  }

  get healthy(): boolean {
    return this.listedOnce && !this.failing;
  }

  on(event: InformerEvent, callback: (obj: T) => void): void {
    this.informer.on(event, callback);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.informer.list(namespace);
  }

  /** `namespace/name` (or `name`) of every cached object. */
  keys(): string[] {
    if (this.informer.keys) return this.informer.keys();
    return this.informer
      .list()
      .map((o) =>
        o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata?.name ?? ''),
      );
  }

  /** How many objects are cached (without listing them all, where the informer can say). */
  get size(): number {
    return this.informer.size ?? this.informer.list().length;
  }

  /** Starts listing and watching; errors are handled by restarts, so this never rejects. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.launch();
  }

  /** Resolves true once synced, false after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.listedOnce) return Promise.resolve(true);
    return new Promise((resolve) => {
      const handle = this.opts.clock.setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        this.opts.clock.clearTimeout(handle);
        resolve(true);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) this.opts.clock.clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
  }

  private launch(): void {
    const errorsBefore = this.errors;
    this.informer.start().then(
      () => {
        // client-node's start() resolves once the watch request is answered, after reporting a
        // failed list or watch through 'error': no new error means the watch is open.
        if (this.stopped || this.errors !== errorsBefore) return;
        this.failing = false;
        this.watchOpenedAt = this.opts.clock.now();
      },
      (error: unknown) => this.failed(error),
    );
  }

  private succeeded(): void {
    this.failures = 0;
    this.failing = false;
  }

  private failed(error: unknown): void {
    this.errors++;
    // Stopping aborts the watch, which client-node reports as an error: not a failure.
    if (this.stopped) return;
    const initial = this.opts.initialBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30_000;
    // A watch that opens and breaks at once keeps backing off; one that stayed open long enough
    // was a success, so the next failure starts from the initial backoff again.
    if (this.watchOpenedAt !== undefined && this.opts.clock.now() - this.watchOpenedAt >= max)
      this.failures = 0;
    this.watchOpenedAt = undefined;
    this.failing = true;
    this.failures++;
    const delay = Math.min(initial * 2 ** Math.min(this.failures - 1, 30), max);
    this.opts.metrics?.informerRestarts.inc({ resource: this.opts.resource });
    this.opts.logger.warn(
      {
        resource: this.opts.resource,
        failures: this.failures,
        retryInMs: delay,
        error: describeError(error),
      },
      'informer failed: restarting',
    );
    if (this.restartTimer !== undefined) this.opts.clock.clearTimeout(this.restartTimer);
    this.restartTimer = this.opts.clock.setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.launch();
    }, delay);
  }
}
