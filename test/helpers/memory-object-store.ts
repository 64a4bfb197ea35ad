/**
 * An in-memory ObjectStore for unit tests of the REST layer (never for product code).
 * Follows the contract's ordering (changes applied and announced in resourceVersion order before
 * the promise resolves) and optimistic concurrency; it is not durable, and `failNext` makes the
 * next write reject with the given error to test error paths.
 */
import {
  type ObjectStore,
  type OpenReport,
  type PutOptions,
  type StoreChange,
  StoreConflictError,
  type StoreDeletion,
  StoredObject,
} from '../../src/apiserver/index.ts';

export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly listeners = new Set<(c: StoreChange) => void>();
  private rv = 0;
  private failure: Error | undefined;
  writes = 0;

  async open(): Promise<OpenReport> {
    return { restored: this.objects.size, resourceVersion: this.rv, warnings: [] };
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  list(prefix: string): StoredObject[] {
    return [...this.objects.values()].filter((o) => o.key.startsWith(prefix));
  }

  failNext(e: Error): void {
    this.failure = e;
  }

  private check(key: string, opts: PutOptions | undefined): StoredObject | undefined {
    if (this.failure) {
      const e = this.failure;
      this.failure = undefined;
      throw e;
    }
    const current = this.objects.get(key);
    const expected = opts?.expectedResourceVersion;
    if (expected !== undefined && (current?.resourceVersion ?? 0) !== expected)
      throw new StoreConflictError(key, expected, current?.resourceVersion ?? 0);
    return current;
  }

  async put(
    key: string,
    build: (rv: number) => Record<string, unknown>,
    opts?: PutOptions,
  ): Promise<StoredObject> {
    const previous = this.check(key, opts);
    const resourceVersion = ++this.rv;
    const stored = StoredObject.of(key, resourceVersion, build(resourceVersion));
    this.objects.set(key, stored);
    this.writes++;
    this.emit({ type: 'put', key, object: stored, previous, resourceVersion });
    return stored;
  }

  async delete(key: string, opts?: PutOptions): Promise<StoreDeletion | undefined> {
    const previous = this.check(key, opts);
    if (!previous) return undefined;
    const resourceVersion = ++this.rv;
    this.objects.delete(key);
    this.writes++;
    this.emit({ type: 'delete', key, previous, resourceVersion });
    return { previous, resourceVersion };
  }

  currentResourceVersion(): number {
    return this.rv;
  }

  onChange(listener: (c: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  private emit(c: StoreChange): void {
    for (const l of this.listeners) l(c);
  }
}
