/**
 * Container events of one daemon (`GET /events`, type=container), as a subscription: each event
 * that can change what the labels say (create, start, destroy, rename, update, die) calls
 * `onChange`; the end of the stream (the daemon restarted, the connection dropped) calls `onEnd`
 * once. Lines longer than MAX_EVENT_LINE are skipped, so a misbehaving peer cannot grow a buffer.
 */
import type { Readable } from 'node:stream';
import type { DaemonClient } from '../docker/daemon-client.ts';

export const MAX_EVENT_LINE = 64 * 1024;
const RELEVANT = ['create', 'start', 'destroy', 'rename', 'update', 'die'];

export interface ContainerEventSource {
  /** Resolves once the stream is open; `stop()` closes it (onEnd is then not called). */
  subscribe(
    onChange: (containerId: string, action: string) => void,
    onEnd: (err?: Error) => void,
  ): Promise<{ stop(): void }>;
}

export function dockerEventSource(daemon: DaemonClient): ContainerEventSource {
  return {
    async subscribe(onChange, onEnd) {
      const abort = new AbortController();
      const stream = (await daemon.call('other', () =>
        daemon.docker.getEvents({
          filters: { type: ['container'], event: RELEVANT },
          abortSignal: abort.signal,
        } as Parameters<typeof daemon.docker.getEvents>[0]),
      )) as unknown as Readable;
      let stopped = false;
      let ended = false;
      let partial = '';
      const end = (err?: Error): void => {
        if (ended || stopped) return;
        ended = true;
        onEnd(err);
      };
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        partial += chunk;
        let nl = partial.indexOf('\n');
        while (nl !== -1) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          nl = partial.indexOf('\n');
          if (!line.trim()) continue;
          try {
            const event = JSON.parse(line) as { Action?: string; id?: string; Actor?: { ID?: string } };
            onChange(event.Actor?.ID ?? event.id ?? '', event.Action ?? '');
          } catch {
            // not an event: skipped (a resync follows anyway)
          }
        }
        if (partial.length > MAX_EVENT_LINE) partial = '';
      });
      stream.once('end', () => end());
      stream.once('close', () => end());
      stream.once('error', (e: Error) => end(e));
      return {
        stop() {
          stopped = true;
          abort.abort();
          stream.destroy();
        },
      };
    },
  };
}
