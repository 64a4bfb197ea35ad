/**
 * A watch on one kind of the API server in this process, shaped as client-node's `Watch` so that
 * client-node's `ListWatch` (the informer's cache: re-list on 410, resume from the last
 * resourceVersion, add/update/delete callbacks) runs over it unchanged.
 *
 * In: the hub's events, delivered synchronously from the write path of whoever wrote (an HTTPS
 * request, or this process's own status write). Out: the same events to the watch callback, each
 * object parsed from its stored JSON text (a fresh object the cache owns) and passed through
 * `receive` (the informer's trim), on a later event-loop turn and in resourceVersion order.
 *
 * Why queued and not called at once: a writer must not run the controller's handlers inside its
 * own write, and a burst (10,000 creates) must not hold the event loop; events are delivered
 * `batchSize` per turn.
 * Bound: at most `maxPending` undelivered live events (plus the history replayed at the start,
 * bounded by the hub's); one more ends the watch (done(null)), as a real server drops a watcher
 * that fell too far behind; ListWatch then resumes from the last version it saw, or re-lists when
 * the hub's history no longer has it (410).
 * Never: delivers after the watch ended or was aborted, or an event twice.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { InProcessAccess, ResourceKind, StoredObject, WatchEventType } from '../apiserver/index.ts';

/** Undelivered events one watch may hold before it is ended (the informer resumes or re-lists). */
export const DEFAULT_MAX_PENDING_EVENTS = 65_536;
/** Delivered events are dropped from the queue's front once this many have piled up. */
const COMPACT_AFTER = 4096;
/** Events delivered per event-loop turn. */
export const DEFAULT_BATCH_SIZE = 256;

export interface InProcessWatchOptions {
  hub: InProcessAccess['hub'];
  kind: ResourceKind;
  /** Passed over every received object before the callback (the informer's trim). */
  receive?: (obj: Record<string, unknown>) => Record<string, unknown>;
  maxPending?: number;
  batchSize?: number;
  /** Runs `fn` on a later turn (setImmediate unless a test steps it). */
  later?: (fn: () => void) => void;
}

type WatchArgs = Parameters<Watch['watch']>;

export class InProcessWatch extends Watch {
  constructor(private readonly o: InProcessWatchOptions) {
    // client-node's Watch wants a KubeConfig; nothing here reads it.
    super(new KubeConfig());
  }

  /**
   * `path` names the kind's collection; the kind and namespace come from `path` as the informer
   * built it (`/apis/G/V/[namespaces/NS/]PLURAL`). Selectors are not supported: the informer uses
   * none, and a caller that passed one would silently get everything.
   */
  override async watch(
    path: WatchArgs[0],
    queryParams: WatchArgs[1],
    callback: WatchArgs[2],
    done: WatchArgs[3],
  ): Promise<AbortController> {
    const params = (queryParams ?? {}) as Record<string, unknown>;
    if (params.labelSelector !== undefined || params.fieldSelector !== undefined)
      throw new Error('in-process watch: label and field selectors are not supported');
    const namespace = namespaceOfPath(path);
    const rv = Number(params.resourceVersion);
    const fromRv = params.resourceVersion !== '' && Number.isSafeInteger(rv) ? rv : undefined;
    const controller = new AbortController();
    const later = this.o.later ?? ((fn: () => void) => void setImmediate(fn));
    const maxPending = this.o.maxPending ?? DEFAULT_MAX_PENDING_EVENTS;
    const batchSize = this.o.batchSize ?? DEFAULT_BATCH_SIZE;
    const receive = this.o.receive ?? ((obj) => obj);
    const pending: { type: WatchEventType; object: StoredObject }[] = [];
    let head = 0;
    let draining = false;
    let ended = false;
    let unsubscribe: (() => void) | undefined;

    // Once, on a later turn: the caller gets its controller before hearing that the watch ended.
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      unsubscribe?.();
      pending.length = 0;
      head = 0;
      later(() => done(error));
    };
    controller.signal.addEventListener('abort', () => end(null), { once: true });

    const drain = () => {
      draining = false;
      const until = Math.min(pending.length, head + batchSize);
      for (; head < until && !ended; head++) {
        const event = pending[head]!;
        const object = receive(event.object.object());
        try {
          callback(event.type, object, { type: event.type, object });
        } catch {
          // As client-node's Watch: a failing handler does not end the watch.
        }
      }
      if (ended) return;
      if (head >= pending.length) {
        pending.length = 0;
        head = 0;
      } else {
        // Events keep coming while it drains: drop the delivered ones now and then.
        if (head >= COMPACT_AFTER) {
          pending.splice(0, head);
          head = 0;
        }
        draining = true;
        later(drain);
      }
    };

    const sink = {
      send(type: WatchEventType, object: StoredObject) {
        if (ended) return;
        // The history replayed at the start is bounded by the hub's history; the bound is for
        // live events (counting the replay could end every resumed watch at once, forever).
        if (!replaying && pending.length - head >= maxPending) {
          end(null);
          return;
        }
        pending.push({ type, object });
        if (!draining) {
          draining = true;
          later(drain);
        }
      },
    };
    let replaying = true;
    try {
      // A version older than the hub's history throws a 410 (ApiError, `code` 410): ListWatch re-lists.
      unsubscribe = this.o.hub.watch({ kind: this.o.kind, namespace, matches: () => true }, fromRv, sink);
      if (ended) unsubscribe();
    } catch (error) {
      end(error);
    } finally {
      replaying = false;
    }
    return controller;
  }
}

/** `/apis/G/V/namespaces/NS/PLURAL` -> NS; a cluster-wide path -> undefined. */
export function namespaceOfPath(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  const i = parts.indexOf('namespaces');
  return i >= 0 && i + 2 < parts.length ? decodeURIComponent(parts[i + 1]!) : undefined;
}
