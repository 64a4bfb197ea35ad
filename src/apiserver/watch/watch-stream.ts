/**
 * One watch over HTTP: chunked, newline-delimited JSON events `{type, object}`, headers flushed at
 * once (client-node's informer waits for them), optional BOOKMARKs, a server-side timeout, and a
 * bounded backlog: a watcher that cannot keep up gets an in-stream 410 and is dropped rather than
 * buffered without limit. Cleanup hangs on `res.on('close')` (the request's 'close' fires early).
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../kinds/kind.ts';
import { errors } from '../status-errors.ts';
import type { StoredObject } from '../store/stored-object.ts';
import type { WatchEventType, WatchFilter, WatchHub } from './watch-hub.ts';

export interface WatchStreamOptions {
  filter: WatchFilter;
  /** Resume after this version (undefined: from now, after `initial`). */
  fromRv: number | undefined;
  /** Objects sent as ADDED before live events (resourceVersion absent or 0). */
  initial: readonly StoredObject[];
  timeoutMs: number;
  /** 0 = no bookmarks. */
  bookmarkIntervalMs: number;
  maxBacklogBytes: number;
  /** Shape of the event object: undefined = the object itself (its stored JSON, not re-serialized),
   * or e.g. a one-row Table of it. */
  encode?: ((object: KubeObject) => unknown) | undefined;
  bookmarkObject(resourceVersion: string): KubeObject;
  /** Called once when the stream starts (after the 410 check). */
  onStart?: () => void;
  /** Called once when the watch ends, whatever the reason. */
  onEnd?: () => void;
}

/** Ends the stream cleanly (clients see a normal end of stream and watch again). */
export type EndWatch = () => void;

export function startWatchStream(res: ServerResponse, hub: WatchHub, opts: WatchStreamOptions): EndWatch {
  hub.checkResumable(opts.fromRv);
  // A watch owns its connection: when it ends, the socket goes too (no idle keep-alive to wait for at shutdown).
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache',
    Connection: 'close',
  });
  res.flushHeaders();
  opts.onStart?.();

  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  let timeout: NodeJS.Timeout | undefined;
  let bookmark: NodeJS.Timeout | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe?.();
    clearTimeout(timeout);
    clearTimeout(bookmark);
    opts.onEnd?.();
  };
  // Events of one turn of the event loop (a group-committed batch applies many writes at once)
  // leave in one socket write, not one each: the socket is corked until the next tick. Not while
  // the initial objects go out (a large list would sit in memory instead of flowing to the socket).
  let batching = false;
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  const writeLine = (line: string) => {
    if (stopped) return;
    if (batching && !corked) {
      corked = true;
      res.cork();
      process.nextTick(uncork);
    }
    res.write(line);
    if (res.writableLength > opts.maxBacklogBytes) {
      const status = errors.gone('the watcher fell too far behind; re-list and watch again').toStatus();
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      stop();
    }
  };
  const write = (event: unknown) => writeLine(`${JSON.stringify(event)}\n`);
  const encode = opts.encode;
  const send = encode
    ? (type: WatchEventType, o: StoredObject) => write({ type, object: encode(o.object()) })
    : (type: WatchEventType, o: StoredObject) => writeLine(`{"type":"${type}","object":${o.json}}\n`);

  res.on('close', stop);
  for (const o of opts.initial) send('ADDED', o);
  batching = true;
  unsubscribe = hub.watch(opts.filter, opts.fromRv, { send });
  if (stopped) unsubscribe();

  const end = () => {
    stop();
    if (!res.writableEnded) res.end();
  };
  if (stopped) return end;
  timeout = setTimeout(end, opts.timeoutMs);
  timeout.unref();
  if (opts.bookmarkIntervalMs > 0) {
    const tick = () => {
      write({ type: 'BOOKMARK', object: opts.bookmarkObject(String(hub.currentResourceVersion())) });
      if (stopped) return;
      bookmark = setTimeout(tick, opts.bookmarkIntervalMs);
      bookmark.unref();
    };
    bookmark = setTimeout(tick, opts.bookmarkIntervalMs);
    bookmark.unref();
  }
  return end;
}
