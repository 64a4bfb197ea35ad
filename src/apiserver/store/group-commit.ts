/**
 * Group commit: writes queued while one fsync is in flight go to disk together in the next one.
 * This is the store's throughput lever — fsync costs the same for one record or a hundred — and it
 * costs a lone writer nothing (its batch starts as soon as the current tick ends).
 *
 * In: `enqueue(frame, onDurable)`. Out: the promise resolves after the frame's batch is durable and
 * `onDurable` ran; `onDurable` callbacks run in enqueue order. Bounds: one batch holds at most
 * `maxBatchBytes`; `queuedBytes` is exposed so the caller can refuse work beyond its own bound.
 * After a failed flush every queued and later write is rejected with that error (fail-stop).
 */

interface QueuedWrite {
  frame: Buffer;
  onDurable: () => void;
  resolve: () => void;
  reject: (e: Error) => void;
}

export interface GroupCommitOptions {
  /** Writes the frames and makes them durable, or throws. */
  flush(frames: Buffer[]): Promise<void>;
  /** Runs after each durable batch and its callbacks, before the next batch starts. */
  betweenBatches?(): Promise<void>;
  /** Turns a flush failure into the error every pending and later write gets. */
  toFatal(e: unknown): Error;
  maxBatchBytes: number;
}

export class GroupCommit {
  /** Bytes accepted and not yet durable. */
  queuedBytes = 0;
  /** Durable batches so far (each one fsync). */
  batches = 0;
  private queue: QueuedWrite[] = [];
  private running: Promise<void> | undefined;
  private fatal: Error | undefined;

  constructor(private readonly opts: GroupCommitOptions) {}

  get failure(): Error | undefined {
    return this.fatal;
  }

  enqueue(frame: Buffer, onDurable: () => void): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ frame, onDurable, resolve, reject });
      this.queuedBytes += frame.length;
      // Start on a microtask, not now: writes issued in the same tick share the first fsync too.
      this.running ??= Promise.resolve().then(() => this.drain());
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.fatal) {
        const batch = this.takeBatch();
        try {
          await this.opts.flush(batch.map((w) => w.frame));
        } catch (e) {
          this.fatal = this.opts.toFatal(e);
          for (const w of [...batch, ...this.queue]) w.reject(this.fatal);
          this.queue = [];
          this.queuedBytes = 0;
          return;
        }
        this.batches++;
        for (const w of batch) {
          this.queuedBytes -= w.frame.length;
          w.onDurable();
          w.resolve();
        }
        if (this.opts.betweenBatches) await this.opts.betweenBatches();
      }
    } finally {
      this.running = undefined;
    }
  }

  private takeBatch(): QueuedWrite[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length) {
      const size = this.queue[n]!.frame.length;
      if (n > 0 && bytes + size > this.opts.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n);
  }
}
