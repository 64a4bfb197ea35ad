/**
 * One notifier's delivery line: a bounded FIFO of messages (full: the new one is dropped and
 * counted) and one drain loop that delivers them in order, each attempt under the notifier's
 * timeout, retried with exponential backoff (timers through the Clock) while the error is
 * retryable and retries are left. Each notifier has its own worker, so a slow or dead endpoint
 * holds back only its own messages — never runs, never other notifiers. `deliver` is the I/O
 * (HTTP, SMTP, files), injected.
 */
import type { Clock, TimerHandle } from '../util/clock.ts';
import { retryDelayMs } from './backoff.ts';
import { DeliveryError } from './delivery-error.ts';
import type { Notification } from './notification.ts';

export interface DeliveryPolicy {
  retries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  queueLimit: number;
}

export interface DeliveryOutcome {
  notification: Notification;
  ok: boolean;
  attempts: number;
  error?: DeliveryError;
  atMs: number;
}

export interface DeliveryWorkerOptions {
  clock: Clock;
  deliver(n: Notification): Promise<void>;
  policy(): DeliveryPolicy;
  onOutcome(outcome: DeliveryOutcome): void;
  onAttempt?(seconds: number): void;
  onQueueChange?(length: number): void;
}

export class DeliveryWorker {
  private readonly queue: Notification[] = [];
  private draining: Promise<void> | undefined;
  private stopped = false;
  private sleeping: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(private readonly opts: DeliveryWorkerOptions) {}

  get length(): number {
    return this.queue.length;
  }

  /** False when the queue is full (the message is dropped) or the worker stopped. */
  offer(n: Notification): boolean {
    if (this.stopped || this.queue.length >= this.opts.policy().queueLimit) return false;
    this.queue.push(n);
    this.opts.onQueueChange?.(this.queue.length);
    this.draining ??= this.drain();
    return true;
  }

  /** Stops: nothing more is taken; a retry wait ends at once; resolves when the loop is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    if (this.sleeping) {
      this.opts.clock.clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    await this.draining;
  }

  /** Resolves when everything queued so far has been handled (for shutdown and tests). */
  async whenIdle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    await Promise.resolve();
    for (let n = this.queue.shift(); n && !this.stopped; n = this.queue.shift()) {
      this.opts.onQueueChange?.(this.queue.length);
      await this.deliverWithRetries(n);
    }
    this.draining = undefined;
  }

  private async deliverWithRetries(n: Notification): Promise<void> {
    const policy = this.opts.policy();
    let attempts = 0;
    for (;;) {
      attempts++;
      const began = performance.now();
      try {
        await this.opts.deliver(n);
        this.opts.onAttempt?.((performance.now() - began) / 1000);
        this.opts.onOutcome({ notification: n, ok: true, attempts, atMs: this.opts.clock.now() });
        return;
      } catch (raw) {
        this.opts.onAttempt?.((performance.now() - began) / 1000);
        const error =
          raw instanceof DeliveryError
            ? raw
            : new DeliveryError('Network', (raw as Error).message ?? String(raw));
        if (!error.retryable || attempts > policy.retries || this.stopped) {
          this.opts.onOutcome({ notification: n, ok: false, attempts, error, atMs: this.opts.clock.now() });
          return;
        }
        await this.sleep(retryDelayMs(attempts, policy.initialBackoffMs, policy.maxBackoffMs));
        if (this.stopped) {
          this.opts.onOutcome({ notification: n, ok: false, attempts, error, atMs: this.opts.clock.now() });
          return;
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: this.opts.clock.setTimeout(wake, ms), wake };
    });
  }
}
