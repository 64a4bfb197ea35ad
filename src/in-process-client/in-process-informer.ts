/**
 * The informer of one kind over the API server in this process: list, then watch, with a cache
 * of what its handlers have been told — client-node's `Informer` and `ObjectCache` contract
 * (add/update/delete/error/connect callbacks, `get`, `list`), without a second parsed copy of
 * every object.
 *
 * Why not client-node's ListWatch: its cache holds every object parsed (about a third of the
 * operator's heap per job at 10,000 jobs), while the store already holds each one as its JSON
 * text. This cache keeps, per object, the StoredObject last delivered — immutable, and the very
 * one the store holds until the object changes again — and parses it when asked (`get`: one
 * reconcile, one JSON.parse of ~2 KB; the first get after an add takes the object the add
 * handlers got, so a start-up parses each job once). It answers like ListWatch's cache: what the
 * handlers have been told, never ahead of them.
 *
 * In: the store's objects (`listStored`) and the hub's events, delivered synchronously from the
 * write path of whoever wrote. Out: each change to the handlers as a fresh parsed object (passed
 * through `receive`, the informer's trim), on a later event-loop turn, in resourceVersion order,
 * `batchSize` per turn (a writer never runs handlers inside its write, and 10,000 creates do not
 * hold the event loop). A list and the watch that follows it are taken in the same turn, so no
 * change falls between them.
 * Bound: at most `maxPending` undelivered live events (plus the history replayed on a resume,
 * bounded by the hub's); one more drops the watch, as a real server drops a watcher that fell
 * too far behind, and it resumes on a later turn from the last version delivered, or re-lists
 * when the hub's history no longer has it (410): the re-list reports what changed meanwhile,
 * deletions included.
 * Never: delivers after `stop()`, or the same version of an object twice.
 */
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import {
  type InProcessAccess,
  keyPrefix,
  objectKey,
  type ResourceKind,
  type StoredObject,
  type WatchEventType,
} from '../apiserver/index.ts';
import { httpStatusOf } from '../kube/api-errors.ts';

/** Undelivered live events before the watch is dropped and resumed. */
export const DEFAULT_MAX_PENDING_EVENTS = 65_536;
/** Events delivered per event-loop turn. */
export const DEFAULT_BATCH_SIZE = 256;
/** Delivered events are dropped from the queue's front once this many have piled up. */
const COMPACT_AFTER = 4096;

export interface InProcessInformerOptions {
  access: Pick<InProcessAccess, 'service' | 'hub'>;
  kind: ResourceKind;
  /** One namespace, or all of them. */
  namespace?: string;
  /** Applied to every object handed out (the informer's trim). */
  receive?: (obj: Record<string, unknown>) => Record<string, unknown>;
  /** Called after every successful list (the restarting informer's sync and health). */
  onListed?: () => void;
  maxPending?: number;
  batchSize?: number;
  /** Runs `fn` on a later turn (setImmediate unless a test steps it). */
  later?: (fn: () => void) => void;
}

type Verb = 'add' | 'update' | 'delete' | 'error' | 'connect';
type Callback<T> = (obj: T) => void;
type ErrorCallback = (err?: unknown) => void;

export class InProcessInformer<T extends KubernetesObject> implements Informer<T>, ObjectCache<T> {
  /** What the handlers have been told: storage key -> the version delivered last. */
  private readonly known = new Map<string, StoredObject>();
  /**
   * An added object as parsed for its `add` handlers, handed to the first `get` of it (the
   * reconcile the add queued) instead of parsing it again: at start-up that is every job. Taken
   * by that get, or dropped when the object changes; never kept past it.
   */
  private readonly fresh = new Map<string, T>();
  private readonly callbacks: Record<Verb, ((arg: never) => void)[]> = {
    add: [],
    update: [],
    delete: [],
    error: [],
    connect: [],
  };
  private readonly later: (fn: () => void) => void;
  private readonly receive: (obj: Record<string, unknown>) => Record<string, unknown>;
  private stopped = true;
  /** Increases at every start/stop/drop: a queued turn of an older watch does nothing. */
  private generation = 0;
  private unsubscribe: (() => void) | undefined;
  private pending: { type: WatchEventType; object: StoredObject }[] = [];
  private head = 0;
  private draining = false;
  /** The resourceVersion delivered last (or listed); a resumed watch starts after it. */
  private lastRv: number | undefined;

  constructor(private readonly o: InProcessInformerOptions) {
    this.later = o.later ?? ((fn) => void setImmediate(fn));
    this.receive = o.receive ?? ((obj) => obj);
  }

  on(verb: string, cb: Callback<T> | ErrorCallback): void {
    if (verb === 'change') {
      for (const v of ['add', 'update', 'delete'] as const) this.on(v, cb);
      return;
    }
    const list = this.callbacks[verb as Verb];
    if (!list) throw new Error(`Unknown verb: ${verb}`);
    list.push(cb as (arg: never) => void);
  }

  off(verb: string, cb: Callback<T> | ErrorCallback): void {
    if (verb === 'change') {
      for (const v of ['add', 'update', 'delete'] as const) this.off(v, cb);
      return;
    }
    const list = this.callbacks[verb as Verb];
    if (!list) throw new Error(`Unknown verb: ${verb}`);
    const i = list.indexOf(cb as (arg: never) => void);
    if (i >= 0) list.splice(i, 1);
  }

  /** The object as the handlers last heard of it, parsed afresh (the caller may change it). */
  get(name: string, namespace?: string): T | undefined {
    const key = objectKey(this.o.kind, namespace ?? '', name);
    const stored = this.known.get(key);
    if (!stored) return undefined;
    const fresh = this.fresh.get(key);
    if (fresh) {
      this.fresh.delete(key);
      return fresh;
    }
    return this.parse(stored);
  }

  /** Every known object (of one namespace), parsed: for rare whole-cache reads. */
  list(namespace?: string): T[] {
    const prefix = namespace === undefined ? undefined : objectKey(this.o.kind, namespace, '');
    const out: T[] = [];
    for (const [key, stored] of this.known)
      if (!prefix || key.startsWith(prefix)) out.push(this.parse(stored));
    return out;
  }

  /** `namespace/name` (or `name`) of every known object, without parsing any. */
  keys(): string[] {
    const prefix = keyPrefix(this.o.kind).length;
    return [...this.known.keys()].map((key) => {
      const rest = key.slice(prefix);
      return rest.startsWith('/') ? rest.slice(1) : rest;
    });
  }

  /** How many objects the handlers know of. */
  get size(): number {
    return this.known.size;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.connect(++this.generation);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.disconnect();
  }

  private connect(generation: number): void {
    if (this.stopped || generation !== this.generation) return;
    this.emit('connect', undefined);
    try {
      if (this.lastRv === undefined) this.relist();
      try {
        this.subscribe(generation, this.lastRv);
      } catch (error) {
        // Resuming from a version the hub's history no longer has: list again, then watch.
        if (httpStatusOf(error) !== 410) throw error;
        this.relist();
        this.subscribe(generation, this.lastRv);
      }
    } catch (error) {
      this.disconnect();
      this.emit('error', error);
    }
  }

  private subscribe(generation: number, fromRv: number | undefined): void {
    let replaying = true;
    const sink = {
      send: (type: WatchEventType, object: StoredObject) => {
        if (generation !== this.generation) return;
        // The history replayed on a resume is bounded by the hub's; the bound is for live events.
        if (
          !replaying &&
          this.pending.length - this.head >= (this.o.maxPending ?? DEFAULT_MAX_PENDING_EVENTS)
        ) {
          this.drop();
          return;
        }
        this.pending.push({ type, object });
        this.scheduleDrain(generation);
      },
    };
    try {
      this.unsubscribe = this.o.access.hub.watch(
        { kind: this.o.kind, namespace: this.o.namespace, matches: () => true },
        fromRv,
        sink,
      );
    } finally {
      replaying = false;
    }
  }

  /** The watch fell too far behind: dropped, resumed on a later turn. */
  private drop(): void {
    const generation = ++this.generation;
    this.disconnect();
    this.later(() => this.connect(generation));
  }

  private disconnect(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.pending = [];
    this.head = 0;
    this.draining = false;
  }

  /** Lists the store and tells the handlers what changed since they last heard (in one turn). */
  private relist(): void {
    const listed = this.o.access.service.listStored(this.o.kind, this.o.namespace, {});
    const seen = new Set<string>();
    for (const stored of listed.items) {
      seen.add(stored.key);
      this.deliver('ADDED', stored);
    }
    for (const [key, stored] of this.known) {
      if (seen.has(key)) continue;
      this.known.delete(key);
      this.fresh.delete(key);
      this.emit('delete', this.parse(stored));
    }
    this.lastRv = Number(listed.resourceVersion);
    this.o.onListed?.();
  }

  private scheduleDrain(generation: number): void {
    if (this.draining) return;
    this.draining = true;
    this.later(() => this.drain(generation));
  }

  private drain(generation: number): void {
    if (generation !== this.generation) return;
    this.draining = false;
    const until = Math.min(this.pending.length, this.head + (this.o.batchSize ?? DEFAULT_BATCH_SIZE));
    while (this.head < until && generation === this.generation) {
      const event = this.pending[this.head++]!;
      this.deliver(event.type, event.object);
      this.lastRv = event.object.resourceVersion;
    }
    if (generation !== this.generation) return;
    if (this.head >= this.pending.length) {
      this.pending = [];
      this.head = 0;
      return;
    }
    // Events keep coming while it drains: drop the delivered ones now and then.
    if (this.head >= COMPACT_AFTER) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    this.scheduleDrain(generation);
  }

  /** One change to the cache and the handlers; a version already delivered is not told again. */
  private deliver(type: WatchEventType, stored: StoredObject): void {
    const before = this.known.get(stored.key);
    if (type === 'DELETED') {
      if (!before) return;
      this.known.delete(stored.key);
      this.fresh.delete(stored.key);
      this.emit('delete', this.parse(stored));
      return;
    }
    if (before && before.resourceVersion === stored.resourceVersion) return;
    this.known.set(stored.key, stored);
    const obj = this.parse(stored);
    if (before) {
      this.fresh.delete(stored.key);
      this.emit('update', obj);
    } else {
      this.fresh.set(stored.key, obj);
      this.emit('add', obj);
    }
  }

  private emit(verb: Verb, arg: unknown): void {
    for (const cb of [...this.callbacks[verb]]) {
      try {
        (cb as (a: unknown) => void)(arg);
      } catch {
        // As client-node's informer: a failing handler does not stop the others or the watch.
      }
    }
  }

  private parse(stored: StoredObject): T {
    return this.receive(stored.object()) as T;
  }
}

/** `/apis/G/V/namespaces/NS/PLURAL` -> NS; a cluster-wide path -> undefined (an informer's path). */
export function namespaceOfPath(path: string): string | undefined {
  const parts = path.split('/').filter(Boolean);
  const i = parts.indexOf('namespaces');
  return i >= 0 && i + 2 < parts.length ? decodeURIComponent(parts[i + 1]!) : undefined;
}
