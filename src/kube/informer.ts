/**
 * An informer that keeps itself alive. client-node's informer re-lists on a 410 and re-watches
 * when a stream closes, but STOPS on any other error (a refused connection, a 500, a timeout);
 * this wrapper restarts it with exponential backoff (500 ms doubling to 30 s, reset by a
 * successful list or any watch event) and counts restarts.
 *
 * Out: the cache (`get`, `list`), add/update/delete callbacks, `synced` (true once a list
 * succeeded) and `healthy` (false between an error and the next successful list or event).
 * Never: reads the clock itself (timers go through the Clock), restarts after `stop()`.
 */
import {
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { describeError } from './api-errors.ts';

export interface RestartingInformerOptions<T extends KubernetesObject> {
  /** For logs and metrics (e.g. "scheduleddockerjobs"). */
  resource: string;
  kubeConfig: KubeConfig;
  /** The list/watch path, e.g. /apis/ofelia.dev/v1alpha1/scheduleddockerjobs. */
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  clock: Clock;
  logger: Logger;
  metrics?: ControllerMetrics;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export type InformerEvent = 'add' | 'update' | 'delete';

export class RestartingInformer<T extends KubernetesObject> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private stopped = true;
  private listedOnce = false;
  private failing = false;
  private failures = 0;
  private restartTimer: TimerHandle | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(private readonly opts: RestartingInformerOptions<T>) {
    const list = async () => {
      const result = await opts.list();
      this.succeeded();
      if (!this.listedOnce) {
        this.listedOnce = true;
        // Callbacks for the listed items run right after this returns; resolve waiters after them.
        queueMicrotask(() => {
          for (const resolve of this.syncWaiters.splice(0)) resolve();
        });
      }
      return result;
    };
    this.informer = makeInformer(opts.kubeConfig, opts.path, list);
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
    this.informer.start().catch((error: unknown) => this.failed(error));
  }

  private succeeded(): void {
    this.failures = 0;
    this.failing = false;
  }

  private failed(error: unknown): void {
    // Stopping aborts the watch, which client-node reports as an error: not a failure.
    if (this.stopped) return;
    this.failing = true;
    this.failures++;
    const initial = this.opts.initialBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30_000;
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
