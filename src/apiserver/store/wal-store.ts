/**
 * WalObjectStore: the ObjectStore (object-store.ts) on a write-ahead log plus periodic snapshots.
 * See docs/adr/0001-store-format.md for why, and store-files.ts for the directory layout.
 *
 * Write path: check the expected version against the newest state (including writes still on
 * their way to disk), take the next resourceVersion, build and encode the record, queue it for
 * group commit; once its batch is fsync'd, apply it to the map, tell listeners, resolve.
 * Reads (`get`, `list`) see only durable writes.
 *
 * Every `snapshotEvery` records, or half as many records as there are objects if that is more
 * (or 64 MiB), the store starts a new log segment and writes a snapshot of the map in the
 * background; once it is durable, the snapshot before it and the segments older than that one are
 * deleted. Disk use stays near two snapshots plus two segments.
 *
 * Never: keep history (the REST layer keeps its own bounded watch window), interpret values,
 * acknowledge a write that is not fsync'd, or accept writes after a failed fsync (fail-stop).
 */
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log/logger.ts';
import { silentLogger } from '../../log/logger.ts';
import {
  StoreClosedError,
  StoreOpenError,
  StoreOverloadedError,
  StoreRecordTooLargeError,
  StoreWriteError,
} from './errors.ts';
import { encodeFrame } from './framing.ts';
import { GroupCommit } from './group-commit.ts';
import {
  type ObjectStore,
  type OpenReport,
  type PutOptions,
  type StoreChange,
  StoreConflictError,
  type StoreDeletion,
} from './object-store.ts';
import { encodeDeleteRecord, encodePutRecord } from './records.ts';
import { recover } from './recovery.ts';
import { writeSnapshot } from './snapshot.ts';
import { ensurePrivateDir, fsyncDir, listStoreDir, snapshotName, walName } from './store-files.ts';
import { acquireStoreLock } from './store-lock.ts';
import { StoredObject } from './stored-object.ts';
import { SegmentWriter } from './wal-writer.ts';

export interface WalObjectStoreOptions {
  dir: string;
  logger?: Logger;
  /** Records per log segment before a snapshot is taken (default 10,000; at least half the object count). */
  snapshotEvery?: number;
  /** Largest encoded record accepted, in bytes (default 1.5 MiB, etcd's request limit). */
  maxRecordBytes?: number;
  /** Bytes that may wait for the disk before writes are refused with StoreOverloadedError (default 64 MiB). */
  maxQueuedBytes?: number;
}

export interface WalStoreStats {
  /** fdatasync calls on log segments (one per group-committed batch). */
  fsyncs: number;
  /** Records made durable since open. */
  records: number;
  /** Snapshots completed since open. */
  snapshots: number;
  /** Objects in memory. */
  objects: number;
  /** Log bytes in the current segment. */
  segmentBytes: number;
}

const SEGMENT_BYTES_LIMIT = 64 * 1024 * 1024;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** The newest state of a key including writes not yet durable; null = deleted. */
interface PendingKey {
  state: StoredObject | null;
  writes: number;
}

type Phase = 'new' | 'open' | 'closing' | 'closed';

export class WalObjectStore implements ObjectStore {
  private readonly dir: string;
  private readonly log: Logger;
  private readonly snapshotEvery: number;
  private readonly maxRecordBytes: number;
  private readonly maxQueuedBytes: number;

  private phase: Phase = 'new';
  private readonly objects = new Map<string, StoredObject>();
  private readonly pending = new Map<string, PendingKey>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  /** Last version handed out (may be ahead of the last durable one). */
  private assignedRv = 0;
  /** Last version applied (durable). */
  private appliedRv = 0;
  private writer!: SegmentWriter;
  private commit!: GroupCommit;
  private releaseLock: (() => Promise<void>) | undefined;
  private snapshotting: Promise<void> | undefined;
  /** rvs of snapshots on disk, newest first. */
  private snapshots: number[] = [];
  private segments: { name: string; firstRv: number }[] = [];
  private counters = { fsyncsBefore: 0, records: 0, snapshots: 0 };

  constructor(opts: WalObjectStoreOptions) {
    this.dir = opts.dir;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'store' });
    this.snapshotEvery = Math.max(1, opts.snapshotEvery ?? 10_000);
    this.maxRecordBytes = opts.maxRecordBytes ?? 1.5 * 1024 * 1024;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  }

  async open(): Promise<OpenReport> {
    if (this.phase !== 'new') throw new StoreOpenError(this.dir, 'open() called twice');
    const started = performance.now();
    try {
      await ensurePrivateDir(this.dir);
      const st = await fs.stat(this.dir);
      if (!st.isDirectory()) throw new Error('not a directory');
      if ((st.mode & 0o077) !== 0) {
        this.log.warn(
          { dir: this.dir, mode: (st.mode & 0o777).toString(8) },
          'data directory is accessible to other users',
        );
      }
      await fs.access(this.dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
      this.releaseLock = await acquireStoreLock(this.dir);
    } catch (e) {
      if (e instanceof StoreOpenError) throw e;
      throw new StoreOpenError(this.dir, describeFsError(e));
    }
    try {
      const recovered = await recover(this.dir, await listStoreDir(this.dir));
      for (const [k, o] of recovered.objects) this.objects.set(k, o);
      this.assignedRv = this.appliedRv = recovered.resourceVersion;
      this.snapshots = recovered.snapshots;
      this.segments = [...recovered.segments];
      const last = this.segments.at(-1);
      if (last) {
        this.writer = await SegmentWriter.open(this.dir, last.name, recovered.lastSegmentRecords);
      } else {
        const name = walName(this.appliedRv + 1);
        this.writer = await SegmentWriter.open(this.dir, name);
        this.segments.push({ name, firstRv: this.appliedRv + 1 });
      }
      this.commit = new GroupCommit({
        flush: (frames) => this.writer.appendDurable(frames),
        betweenBatches: () => this.maybeSnapshot(),
        toFatal: (e) => new StoreWriteError(this.writer.path, describeFsError(e)),
        maxBatchBytes: MAX_BATCH_BYTES,
      });
      this.phase = 'open';
      for (const w of recovered.warnings)
        this.log.warn({ dir: this.dir, problem: w }, 'store recovery problem');
      this.log.info(
        {
          dir: this.dir,
          objects: this.objects.size,
          resourceVersion: this.appliedRv,
          snapshotRv: recovered.snapshotRv,
          replayed: recovered.replayed,
          ms: Math.round(performance.now() - started),
        },
        'store opened',
      );
      return { restored: this.objects.size, resourceVersion: this.appliedRv, warnings: recovered.warnings };
    } catch (e) {
      await this.releaseLock?.();
      throw e instanceof StoreOpenError ? e : new StoreOpenError(this.dir, describeFsError(e));
    }
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  list(prefix: string): StoredObject[] {
    const out: StoredObject[] = [];
    for (const [k, o] of this.objects) if (k.startsWith(prefix)) out.push(o);
    return out;
  }

  currentResourceVersion(): number {
    return this.appliedRv;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  put(
    key: string,
    build: (resourceVersion: number) => Record<string, unknown>,
    opts: PutOptions = {},
  ): Promise<StoredObject> {
    try {
      this.checkWritable();
      const previous = this.newest(key);
      this.checkExpected(key, previous, opts);
      const rv = this.assignedRv + 1;
      const stored = StoredObject.of(key, rv, build(rv));
      const frame = this.frameFor(key, encodePutRecord(key, rv, stored.json));
      this.assignedRv = rv;
      this.markPending(key, stored);
      return this.commit
        .enqueue(frame, () => {
          const before = this.objects.get(key);
          this.objects.set(key, stored);
          this.applied(key, rv, { type: 'put', key, object: stored, previous: before, resourceVersion: rv });
        })
        .then(() => stored);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  delete(key: string, opts: PutOptions = {}): Promise<StoreDeletion | undefined> {
    try {
      this.checkWritable();
      const previous = this.newest(key);
      this.checkExpected(key, previous, opts);
      if (!previous) return Promise.resolve(undefined);
      const rv = this.assignedRv + 1;
      const frame = this.frameFor(key, encodeDeleteRecord(key, rv));
      this.assignedRv = rv;
      this.markPending(key, null);
      const deleted: StoreDeletion = { previous, resourceVersion: rv };
      return this.commit
        .enqueue(frame, () => {
          this.objects.delete(key);
          this.applied(key, rv, { type: 'delete', key, previous, resourceVersion: rv });
        })
        .then(() => deleted);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async close(): Promise<void> {
    if (this.phase !== 'open') {
      this.phase = 'closed';
      return;
    }
    this.phase = 'closing';
    await this.commit.idle();
    await this.snapshotting;
    await this.writer.close();
    await this.releaseLock?.();
    this.phase = 'closed';
    this.log.info({ dir: this.dir, resourceVersion: this.appliedRv }, 'store closed');
  }

  stats(): WalStoreStats {
    return {
      fsyncs: this.counters.fsyncsBefore + (this.writer?.fsyncs ?? 0),
      records: this.counters.records,
      snapshots: this.counters.snapshots,
      objects: this.objects.size,
      segmentBytes: this.writer?.bytes ?? 0,
    };
  }

  // --- write path helpers ---

  private checkWritable(): void {
    if (this.phase !== 'open') throw new StoreClosedError();
    const failure = this.commit.failure;
    if (failure) throw failure;
  }

  private newest(key: string): StoredObject | undefined {
    const p = this.pending.get(key);
    if (p) return p.state ?? undefined;
    return this.objects.get(key);
  }

  private checkExpected(key: string, current: StoredObject | undefined, opts: PutOptions): void {
    if (opts.expectedResourceVersion === undefined) return;
    const actual = current?.resourceVersion ?? 0;
    if (actual !== opts.expectedResourceVersion) {
      throw new StoreConflictError(key, opts.expectedResourceVersion, actual);
    }
  }

  private frameFor(key: string, payload: Buffer): Buffer {
    if (payload.length > this.maxRecordBytes) {
      throw new StoreRecordTooLargeError(key, payload.length, this.maxRecordBytes);
    }
    if (this.commit.queuedBytes + payload.length > this.maxQueuedBytes) {
      throw new StoreOverloadedError(this.commit.queuedBytes);
    }
    return encodeFrame(payload);
  }

  private markPending(key: string, state: StoredObject | null): void {
    const p = this.pending.get(key);
    if (p) {
      p.state = state;
      p.writes++;
    } else {
      this.pending.set(key, { state, writes: 1 });
    }
  }

  /** Runs in rv order once the record is durable. */
  private applied(key: string, rv: number, change: StoreChange): void {
    this.appliedRv = rv;
    this.counters.records++;
    const p = this.pending.get(key);
    if (p && --p.writes === 0) this.pending.delete(key);
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (e) {
        this.log.error({ err: e, key, resourceVersion: rv }, 'store change listener threw');
      }
    }
  }

  // --- snapshots ---

  /** Between batches (no write in flight): rotate the segment and snapshot when it is due. */
  private async maybeSnapshot(): Promise<void> {
    if (this.snapshotting) return;
    // A snapshot writes every object: with many objects, one every `snapshotEvery` records would
    // write far more than the log it replaces (100,000 objects every 10,000 records: 13x). Waiting
    // for at least half as many records as there are objects keeps snapshot writes within about
    // twice the log's bytes, whatever the count.
    const due = Math.max(this.snapshotEvery, Math.ceil(this.objects.size / 2));
    if (this.writer.records < due && this.writer.bytes < SEGMENT_BYTES_LIMIT) return;
    const rv = this.appliedRv;
    const objects = [...this.objects.values()];
    const name = walName(rv + 1);
    try {
      const next = await SegmentWriter.open(this.dir, name);
      const old = this.writer;
      this.writer = next;
      this.segments.push({ name, firstRv: rv + 1 });
      this.counters.fsyncsBefore += old.fsyncs;
      await old.close();
    } catch (e) {
      // Keep appending to the current segment; the next batch retries the rotation.
      this.log.error({ err: e, dir: this.dir }, 'log segment rotation failed');
      return;
    }
    this.snapshotting = this.snapshot(rv, objects).finally(() => {
      this.snapshotting = undefined;
    });
  }

  private async snapshot(rv: number, objects: StoredObject[]): Promise<void> {
    const started = performance.now();
    try {
      await writeSnapshot(this.dir, rv, objects);
    } catch (e) {
      // The log still holds everything: a failed snapshot costs start-up time, not data.
      this.log.error({ err: e, dir: this.dir, resourceVersion: rv }, 'snapshot failed');
      return;
    }
    this.counters.snapshots++;
    this.snapshots.unshift(rv);
    // Keep this snapshot and the one before (the fallback if this one is ever found corrupt),
    // and every segment that the fallback still needs.
    const fallbackRv = this.snapshots[1];
    const dropSnapshots = this.snapshots.slice(2);
    this.snapshots = this.snapshots.slice(0, 2);
    const dropSegments: string[] = [];
    if (fallbackRv !== undefined) {
      while (this.segments.length > 1 && this.segments[1]!.firstRv - 1 <= fallbackRv) {
        dropSegments.push(this.segments.shift()!.name);
      }
    }
    try {
      for (const s of dropSnapshots) await fs.rm(join(this.dir, snapshotName(s)), { force: true });
      for (const s of dropSegments) await fs.rm(join(this.dir, s), { force: true });
      await fsyncDir(this.dir);
    } catch (e) {
      this.log.warn({ err: e, dir: this.dir }, 'removing old snapshots or log segments failed');
    }
    this.log.info(
      {
        resourceVersion: rv,
        objects: objects.length,
        removedSegments: dropSegments.length,
        ms: Math.round(performance.now() - started),
      },
      'snapshot written',
    );
  }
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.syscall) return `${err.code} on ${err.syscall}${err.path ? ` ${err.path}` : ''}`;
  return err?.message ?? String(e);
}
