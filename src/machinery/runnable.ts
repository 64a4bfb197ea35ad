/**
 * The lifecycle contract of every long-lived part (as controller-runtime's `Runnable`): the
 * informer, the leader elector, the status writer, the event recorder, the controller's workers,
 * the HTTP servers, the embedded API server, the Docker pool.
 *
 * - `start()` resolves once the part is ready to be depended on by the parts started after it
 *   (an informer: synced), or rejects — then nothing of it is left running.
 * - `stop()` releases what `start()` took and resolves when done; it never rejects for an
 *   ordinary failure (it logs it) and is safe to call on a part whose start failed or never ran.
 */
export interface Runnable {
  /** A short name for logs (`informer`, `status-writer`, `http` ...). */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A Runnable from two functions (start defaults to nothing). */
export function runnable(
  name: string,
  parts: { start?: () => Promise<void> | void; stop?: () => Promise<void> | void },
): Runnable {
  return {
    name,
    async start() {
      await parts.start?.();
    },
    async stop() {
      await parts.stop?.();
    },
  };
}
