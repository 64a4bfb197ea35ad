/**
 * The embedded API server's durable object store: the contract between the REST layer
 * (src/apiserver/*) and the storage engine (src/apiserver/store/*).
 *
 * - Keys are opaque strings built by the REST layer, e.g. `ofelia.dev/scheduleddockerjobs/ops/backup`
 *   or `/namespaces//ops`; `list(prefix)` returns every object whose key starts with `prefix`.
 * - The store owns the single, monotonically increasing resourceVersion counter. Every successful
 *   put/delete takes the next value; the counter survives restarts (it never goes backwards).
 * - `put`/`delete` resolve only after the change is durable (on disk, fsync'd): an acknowledged
 *   write survives `kill -9`. Concurrent writes may be group-committed (one fsync for many).
 * - Writes are applied to the in-memory view, and announced to `onChange` listeners, in
 *   resourceVersion order, before the promise resolves.
 * - Values are plain JSON objects, kept as their JSON text (stored-object.ts); the store never
 *   interprets them beyond keeping metadata.labels for selectors (the REST layer sets
 *   metadata.resourceVersion from the `resourceVersion` it is given).
 */
import type { StoredObject } from './stored-object.ts';

export { StoredObject } from './stored-object.ts';

/** A change as applied; `previous` is the object it replaced (undefined when created). */
export type StoreChange =
  | {
      type: 'put';
      key: string;
      object: StoredObject;
      previous: StoredObject | undefined;
      resourceVersion: number;
    }
  | { type: 'delete'; key: string; previous: StoredObject; resourceVersion: number };

export interface StoreDeletion {
  /** The object as it was before the delete. */
  readonly previous: StoredObject;
  /** The delete's own version. */
  readonly resourceVersion: number;
}

export interface PutOptions {
  /** Optimistic concurrency: fail with StoreConflictError unless the current object has this version
   * (0 = must not exist). Undefined = unconditional. */
  expectedResourceVersion?: number;
}

export interface OpenReport {
  /** Objects restored from disk. */
  restored: number;
  /** The resourceVersion counter after recovery. */
  resourceVersion: number;
  /** Human-readable problems found and skipped (corrupt or truncated records), never fatal alone. */
  warnings: string[];
}

export interface ObjectStore {
  open(): Promise<OpenReport>;
  get(key: string): StoredObject | undefined;
  list(prefix: string): StoredObject[];
  /**
   * Durably write `build(resourceVersion)` under `key`. `build` receives the version the write will
   * get and returns the JSON to store (the REST layer embeds metadata.resourceVersion there).
   */
  put(
    key: string,
    build: (resourceVersion: number) => Record<string, unknown>,
    opts?: PutOptions,
  ): Promise<StoredObject>;
  /** Durably delete; resolves with the object as last stored and the delete's version (undefined: no such key). */
  delete(key: string, opts?: PutOptions): Promise<StoreDeletion | undefined>;
  /** The last resourceVersion handed out. */
  currentResourceVersion(): number;
  /** Subscribe to applied changes (in resourceVersion order). Returns an unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void;
  /** Flush and close files. Pending writes finish first. */
  close(): Promise<void>;
}

export class StoreConflictError extends Error {
  readonly reason = 'Conflict';
  constructor(
    readonly key: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the object has been modified (expected resourceVersion ${expected}, found ${actual})`);
  }
}
