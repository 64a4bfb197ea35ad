/**
 * Runs an ordered list of Runnables as one: `start()` starts them in order, each once the previous
 * one is ready; `stop()` stops the started ones in REVERSE order, so a part is stopped before the
 * parts it depends on (the controller drains its runs before the status writer flushes, which
 * flushes before the Lease is released and the informer stops). A failed start stops what was
 * started, in reverse, and rethrows the failure. A stop that throws is logged and the next part
 * is still stopped.
 */
import type { Logger } from '../log/logger.ts';
import type { Runnable } from './runnable.ts';

export class RunnableGroup implements Runnable {
  private readonly members: Runnable[] = [];
  private readonly started: Runnable[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Appends a part; parts added after `start()` must be started by the caller's next `start()`. */
  add(...parts: Runnable[]): this {
    this.members.push(...parts);
    return this;
  }

  get names(): string[] {
    return this.members.map((m) => m.name);
  }

  /** Starts every member not started yet, in order. */
  async start(): Promise<void> {
    for (const member of this.members) {
      if (this.started.includes(member)) continue;
      try {
        // Counted as started before it resolves: a start that fails half-way still gets its stop().
        this.started.push(member);
        await member.start();
      } catch (error) {
        await this.stop();
        throw error;
      }
    }
  }

  /** Stops the started members in reverse order; concurrent calls share one stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (let member = this.started.pop(); member; member = this.started.pop()) {
      try {
        await member.stop();
      } catch (error) {
        this.logger.warn({ part: member.name, err: error }, 'stop failed');
      }
    }
  }
}
