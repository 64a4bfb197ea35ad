/**
 * Turns SIGTERM/SIGINT into one shutdown request. A second signal while shutting down is logged
 * and otherwise ignored: the grace period already bounds how long shutdown takes.
 */
import type { Logger } from '../log/logger.ts';

export interface ShutdownSignal {
  /** Resolves with the signal's name when the first one arrives. */
  readonly received: Promise<NodeJS.Signals>;
  /** Removes the handlers (after shutdown, or when start-up fails). */
  dispose(): void;
}

export function listenForShutdown(
  log: Logger,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): ShutdownSignal {
  let first: NodeJS.Signals | undefined;
  let resolveReceived!: (s: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    resolveReceived = resolve;
  });
  const handler = (signal: NodeJS.Signals) => {
    if (first) {
      log.warn({ signal, first }, 'shutdown already in progress');
      return;
    }
    first = signal;
    resolveReceived(signal);
  };
  for (const s of signals) process.on(s, handler);
  return {
    received,
    dispose() {
      for (const s of signals) process.off(s, handler);
    },
  };
}
