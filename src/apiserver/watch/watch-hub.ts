/**
 * The watch hub: turns store changes into watch events, keeps a bounded history of them (a ring
 * buffer of the last N changes) for resuming watches from a resourceVersion, and fans events out
 * to watchers filtered by kind, namespace and selectors.
 *
 * In: store changes (in resourceVersion order). Out: ADDED/MODIFIED/DELETED events to watchers; a
 * selector turns a change that enters or leaves it into ADDED or DELETED, as a real server does.
 * Never: blocks on a slow watcher (watchers bound their own backlog), or keeps more than N events.
 */

import { keyPrefix, metaOf, type ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { type Selectable, selectableOf, selectorSnapshot } from '../kinds/selectable.ts';
import { errors } from '../status-errors.ts';
import { type ObjectStore, type StoreChange, StoredObject } from '../store/object-store.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  readonly resourceVersion: number;
  readonly kind: ResourceKind;
  readonly key: string;
  readonly type: 'put' | 'delete';
  readonly created: boolean;
  /** The object as stored (a delete: as last stored, with the deletion's resourceVersion). */
  readonly object: StoredObject;
  /** What selectors saw of the object before the change (undefined when created). */
  readonly previous: Selectable | undefined;
}

export interface WatchFilter {
  kind: ResourceKind;
  namespace?: string;
  /** Does an object pass the label/field selectors? */
  matches(obj: Selectable): boolean;
}

export interface WatchSink {
  /** Called synchronously, in resourceVersion order. */
  send(type: WatchEventType, object: StoredObject): void;
}

interface Registration {
  filter: WatchFilter;
  sink: WatchSink;
}

export class WatchHub {
  private readonly ring: (ChangeEvent | undefined)[];
  private next = 0;
  private count = 0;
  /** Every change after this version is in the ring. */
  private horizon: number;
  private lastRv: number;
  private readonly watchers = new Set<Registration>();
  private readonly unsubscribe: () => void;

  constructor(
    store: ObjectStore,
    private readonly kinds: KindRegistry,
    capacity: number,
  ) {
    this.ring = new Array(Math.max(1, capacity));
    this.horizon = store.currentResourceVersion();
    this.lastRv = this.horizon;
    this.unsubscribe = store.onChange((c) => this.onChange(c));
  }

  /** The last resourceVersion announced: a list taken now holds exactly the changes up to it. */
  currentResourceVersion(): number {
    return this.lastRv;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  close(): void {
    this.unsubscribe();
    this.watchers.clear();
  }

  private onChange(c: StoreChange): void {
    const kind = this.kinds.forKey(c.key);
    this.lastRv = Math.max(this.lastRv, c.resourceVersion);
    if (!kind) return;
    const event: ChangeEvent =
      c.type === 'put'
        ? {
            resourceVersion: c.resourceVersion,
            kind,
            key: c.key,
            type: 'put',
            created: c.previous === undefined,
            object: c.object,
            previous: c.previous && selectorSnapshot(kind, c.previous),
          }
        : {
            resourceVersion: c.resourceVersion,
            kind,
            key: c.key,
            type: 'delete',
            created: false,
            object: deletedVersion(c.previous, c.resourceVersion),
            previous: undefined,
          };
    const evicted = this.ring[this.next];
    if (evicted) this.horizon = evicted.resourceVersion;
    this.ring[this.next] = event;
    this.next = (this.next + 1) % this.ring.length;
    this.count = Math.min(this.count + 1, this.ring.length);
    for (const w of [...this.watchers]) deliver(w, event);
  }

  /** Throws 410 Expired when changes after `fromRv` are no longer all in the history. */
  checkResumable(fromRv: number | undefined): void {
    if (fromRv !== undefined && fromRv < this.horizon) {
      throw errors.gone(`too old resource version: ${fromRv} (${this.horizon})`);
    }
  }

  /**
   * Start a watch. `fromRv` undefined: only future changes. A version older than the history is a
   * 410 Expired (thrown before anything is sent); a version in the future waits for it.
   * Returns the function that stops the watch.
   */
  watch(filter: WatchFilter, fromRv: number | undefined, sink: WatchSink): () => void {
    this.checkResumable(fromRv);
    if (fromRv !== undefined) {
      for (let i = 0; i < this.count; i++) {
        const e = this.ring[(this.next - this.count + i + this.ring.length) % this.ring.length]!;
        if (e.resourceVersion > fromRv) deliver({ filter, sink }, e);
      }
    }
    const reg = { filter, sink };
    this.watchers.add(reg);
    return () => {
      this.watchers.delete(reg);
    };
  }
}

/** A DELETED event carries the deletion's version, as a real server's does. */
function deletedVersion(last: StoredObject, rv: number): StoredObject {
  const obj = last.object();
  metaOf(obj).resourceVersion = String(rv);
  return StoredObject.of(last.key, rv, obj);
}

function deliver(w: Registration, e: ChangeEvent): void {
  const f = w.filter;
  if (e.kind !== f.kind) return;
  if (f.namespace !== undefined && !e.key.startsWith(`${keyPrefix(f.kind)}${f.namespace}/`)) return;
  const now = f.matches(selectableOf(e.kind, e.object));
  if (e.type === 'delete') {
    if (now) w.sink.send('DELETED', e.object);
    return;
  }
  const before = e.previous !== undefined && !e.created && f.matches(e.previous);
  if (now) w.sink.send(before ? 'MODIFIED' : 'ADDED', e.object);
  else if (before) w.sink.send('DELETED', e.object);
}
