/**
 * The on-disk output store: the complete stdout/stderr of recent runs, with a time and the stream
 * on every line, written as the run streams so a running run can be followed.
 *
 * In: `begin(run)`, `line(run, stream, text)` (it is an OutputSink), `end(run, outcome, keep)`.
 * Out: `read(namespace, job, run, { follow })` — the stored bytes (line-format.ts), chunk by chunk,
 * following a running run to its end; `runs(namespace, job)` — what is stored.
 * Layout: `<dir>/<namespace>/<job>/<run>/<000001>.log` segments and `end.json` once finished.
 *
 * Bounds (all counted in metrics/output-metrics.ts):
 * - per run `maxRunBytes`: a run is written in segments of a quarter of it; past the cap the run's
 *   OLDEST segment is deleted (the end of a run's output is what people look for), and a follower
 *   that was in it gets a notice line;
 * - in total `maxTotalBytes`: the oldest finished runs are deleted first, then the oldest segments
 *   of running runs;
 * - per job, the runs kept in its history (`keep`, the job's history limits) — older ones deleted;
 * - memory: lines wait for the disk in a queue of at most `maxQueuedBytes` for the whole store;
 *   past it lines are dropped (never block the runner: see runner/output-sink.ts).
 * Never: blocks on the disk in `line`, holds a run's output in memory, throws from `line`/`end`
 * (a disk error is logged once per run and the run's further output dropped).
 */
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { RunResult } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { OutputDropReason, OutputMetrics } from '../metrics/output-metrics.ts';
import type { StreamName } from '../runner/frame-parser.ts';
import type { OutputSink } from '../runner/output-sink.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { encodeLine } from './line-format.ts';

export const DEFAULT_MAX_RUN_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Chunk size of reads (what one `read` yield holds at most). */
const READ_CHUNK_BYTES = 64 * 1024;
/** Names of namespaces, jobs and runs as the API allows them: also safe as path parts. */
const NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface OutputStoreOptions {
  dir: string;
  maxRunBytes?: number;
  maxTotalBytes?: number;
  maxQueuedBytes?: number;
  clock?: Clock;
  log: Logger;
  metrics?: OutputMetrics;
}

/** How a run ended, as stored in `end.json`. */
export interface RunEnd {
  result: RunResult | 'Interrupted';
  exitCode?: number;
  finishTime: string;
}

/** History limits of the job (spec.successfulRunsHistoryLimit / failedRunsHistoryLimit). */
export interface KeepLimits {
  succeeded: number;
  failed: number;
}

export interface StoredRun {
  namespace: string;
  job: string;
  run: string;
  running: boolean;
  bytes: number;
  end?: RunEnd;
}

interface Segment {
  n: number;
  /** Bytes queued for (or written to) the file. */
  bytes: number;
  /** Bytes the file surely holds (write callbacks seen). */
  flushed: number;
}

interface RunEntry {
  key: string;
  namespace: string;
  job: string;
  run: string;
  dir: string;
  segments: Segment[];
  bytes: number;
  /** Current segment's stream while running. */
  out: WriteStream | undefined;
  queue: string[];
  queuedBytes: number;
  flushScheduled: boolean;
  /** Writes handed to the stream whose callback has not come yet. */
  writesInFlight: number;
  failed: boolean;
  end: RunEnd | undefined;
  /** Followers waiting for more output or the end. */
  waiters: Set<() => void>;
}

export class OutputStore implements OutputSink {
  private readonly runsByKey = new Map<string, RunEntry>();
  private readonly clock: Clock;
  private readonly maxRunBytes: number;
  private readonly maxTotalBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly segmentBytes: number;
  private totalBytes = 0;
  private queuedBytes = 0;
  /** Deletions under way (files and directories of dropped output). */
  private readonly removals = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(private readonly opts: OutputStoreOptions) {
    this.clock = opts.clock ?? systemClock;
    this.maxRunBytes = opts.maxRunBytes ?? DEFAULT_MAX_RUN_BYTES;
    this.maxTotalBytes = opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.segmentBytes = Math.max(4096, Math.floor(this.maxRunBytes / 4));
  }

  /** Opens (creating) the store directory and takes stock of the runs an earlier process left. */
  static open(opts: OutputStoreOptions): OutputStore {
    const store = new OutputStore(opts);
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    store.load();
    store.enforceTotal();
    return store;
  }

  get diskBytes(): number {
    return this.totalBytes;
  }

  begin(id: RunIdentity): void {
    this.entryFor(id);
  }

  line(id: RunIdentity, stream: StreamName, text: string): boolean {
    const e = this.entryFor(id);
    if (!e || e.failed || e.end) return false;
    const chunk = encodeLine(this.clock.now(), stream, text);
    const n = Buffer.byteLength(chunk);
    if (this.queuedBytes + n > this.maxQueuedBytes) {
      this.opts.metrics?.droppedBytes.inc({ reason: 'backlog' }, n);
      return false;
    }
    this.append(e, chunk, n);
    return true;
  }

  /** The run ended: its last lines are written, `end.json` records the outcome, old runs of the job go. */
  async end(id: RunIdentity, end: RunEnd, keep?: KeepLimits): Promise<void> {
    const e = this.runsByKey.get(keyOf(id.namespace, id.jobName, runName(id)));
    if (!e || e.end) return;
    await this.drain(e);
    e.end = end;
    const out = e.out;
    e.out = undefined;
    if (out) {
      out.end();
      await once(out, 'close').catch(() => undefined);
    }
    await writeFile(join(e.dir, 'end.json'), `${JSON.stringify(end)}\n`, { mode: 0o600 }).catch((err) =>
      this.opts.log.warn({ err, run: e.run }, 'output store: end.json not written'),
    );
    this.wake(e);
    if (keep) this.pruneHistory(e.namespace, e.job, keep);
  }

  /** Resolves when the run's lines so far are on disk (for writers that can wait, and tests). */
  async flush(id: RunIdentity): Promise<void> {
    const e = this.runsByKey.get(keyOf(id.namespace, id.jobName, runName(id)));
    if (e) await this.drain(e);
  }

  /** Runs stored for a job, newest first. */
  runs(namespace: string, job: string): StoredRun[] {
    return [...this.runsByKey.values()]
      .filter((e) => e.namespace === namespace && e.job === job)
      .reverse()
      .map((e) => ({
        namespace: e.namespace,
        job: e.job,
        run: e.run,
        running: !e.end,
        bytes: e.bytes,
        end: e.end,
      }));
  }

  has(namespace: string, job: string, run: string): boolean {
    return this.runsByKey.has(keyOf(namespace, job, run));
  }

  /**
   * The stored output of one run, in chunks of whole lines or parts of one. With `follow`, waits
   * for more while the run is running and ends with it (or with `signal`).
   * Undefined when the store holds no such run.
   */
  read(
    namespace: string,
    job: string,
    run: string,
    opts: { follow?: boolean; signal?: AbortSignal } = {},
  ): AsyncGenerator<Buffer> | undefined {
    if (![namespace, job, run].every((p) => NAME_RE.test(p))) return undefined;
    const e = this.runsByKey.get(keyOf(namespace, job, run));
    if (!e) return undefined;
    return this.readEntry(e, opts.follow ?? false, opts.signal);
  }

  /** Ends every run's writing (their output so far stays; a later process marks them Interrupted). */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    for (const e of this.runsByKey.values()) {
      if (e.end) continue;
      await this.drain(e);
      e.out?.end();
      if (e.out) await once(e.out, 'close').catch(() => undefined);
      e.out = undefined;
      e.end = { result: 'Interrupted', finishTime: new Date(this.clock.now()).toISOString() };
      this.wake(e);
    }
  }

  // ---- writing

  private entryFor(id: RunIdentity): RunEntry | undefined {
    const run = runName(id);
    const key = keyOf(id.namespace, id.jobName, run);
    const known = this.runsByKey.get(key);
    if (known) return known;
    if (this.closed) return undefined;
    const dir = join(this.opts.dir, id.namespace, id.jobName, run);
    const e: RunEntry = {
      key,
      namespace: id.namespace,
      job: id.jobName,
      run,
      dir,
      segments: [],
      bytes: 0,
      out: undefined,
      queue: [],
      queuedBytes: 0,
      flushScheduled: false,
      writesInFlight: 0,
      failed: false,
      end: undefined,
      waiters: new Set(),
    };
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.opts.log.warn({ err, run }, 'output store: run directory not created; its output is not kept');
      e.failed = true;
    }
    this.runsByKey.set(key, e);
    this.opts.metrics?.runs.set(this.runsByKey.size);
    return e;
  }

  private append(e: RunEntry, chunk: string, n: number): void {
    let seg = e.segments.at(-1);
    if (!seg || (seg.bytes >= this.segmentBytes && seg.bytes > 0)) {
      this.flushNow(e);
      seg = { n: (seg?.n ?? 0) + 1, bytes: 0, flushed: 0 };
      e.segments.push(seg);
      this.openSegment(e, seg);
    }
    seg.bytes += n;
    e.bytes += n;
    this.totalBytes += n;
    e.queue.push(chunk);
    e.queuedBytes += n;
    this.queuedBytes += n;
    this.opts.metrics?.writtenBytes.inc(n);
    if (!e.flushScheduled) {
      e.flushScheduled = true;
      // One write per run per turn of the event loop, not one per line.
      setImmediate(() => this.flushNow(e));
    }
    while (e.bytes > this.maxRunBytes && e.segments.length > 1) this.dropSegment(e, 'run_cap');
    if (this.totalBytes > this.maxTotalBytes) this.enforceTotal();
    this.opts.metrics?.diskBytes.set(this.totalBytes);
  }

  private openSegment(e: RunEntry, seg: Segment): void {
    const previous = e.out;
    previous?.end();
    const out = createWriteStream(segmentPath(e.dir, seg.n), { flags: 'a', mode: 0o600 });
    out.on('error', (err) => {
      if (e.failed) return;
      e.failed = true;
      this.opts.log.warn({ err, run: e.run }, 'output store: write failed; the rest of the run is not kept');
      this.wake(e);
    });
    e.out = out;
  }

  /** Hands the queued lines of a run to its current segment's stream. */
  private flushNow(e: RunEntry): void {
    e.flushScheduled = false;
    if (e.queue.length === 0) return;
    const text = e.queue.join('');
    const n = e.queuedBytes;
    e.queue = [];
    e.queuedBytes = 0;
    const seg = e.segments.at(-1)!;
    const out = e.out;
    if (!out || e.failed) {
      this.queuedBytes -= n;
      return;
    }
    e.writesInFlight++;
    out.write(text, () => {
      this.queuedBytes -= n;
      seg.flushed += n;
      e.writesInFlight--;
      this.wake(e);
    });
  }

  /** Resolves when everything queued for the run is on disk. */
  private async drain(e: RunEntry): Promise<void> {
    this.flushNow(e);
    while (e.writesInFlight > 0 && !e.failed) {
      await new Promise<void>((resolve) => e.waiters.add(resolve));
    }
  }

  private dropSegment(e: RunEntry, reason: OutputDropReason): void {
    const seg = e.segments.shift();
    if (!seg) return;
    e.bytes -= seg.bytes;
    this.totalBytes -= seg.bytes;
    this.opts.metrics?.droppedBytes.inc({ reason }, seg.bytes);
    // An open reader keeps reading the unlinked file; a new one skips to the next segment.
    this.track(unlink(segmentPath(e.dir, seg.n)).catch(() => undefined));
    this.wake(e);
  }

  private removeRun(e: RunEntry, reason: OutputDropReason): void {
    this.runsByKey.delete(e.key);
    this.totalBytes -= e.bytes;
    this.opts.metrics?.droppedBytes.inc({ reason }, e.bytes);
    this.opts.metrics?.runs.set(this.runsByKey.size);
    this.opts.metrics?.diskBytes.set(this.totalBytes);
    e.segments = [];
    e.bytes = 0;
    this.track(
      rm(e.dir, { recursive: true, force: true }).catch((err) =>
        this.opts.log.warn({ err, run: e.run }, 'output store: run directory not removed'),
      ),
    );
    this.wake(e);
  }

  private track(p: Promise<unknown>): void {
    this.removals.add(p);
    void p.finally(() => this.removals.delete(p));
  }

  /** Resolves when the deletions started so far are done (the disk then matches `diskBytes`). */
  async settled(): Promise<void> {
    while (this.removals.size > 0) await Promise.all([...this.removals]);
  }

  /** Oldest finished runs first, then the oldest segments of running runs. */
  private enforceTotal(): void {
    for (const e of [...this.runsByKey.values()]) {
      if (this.totalBytes <= this.maxTotalBytes) return;
      if (e.end) this.removeRun(e, 'total_cap');
    }
    for (const e of this.runsByKey.values()) {
      while (this.totalBytes > this.maxTotalBytes && e.segments.length > 1) this.dropSegment(e, 'total_cap');
      if (this.totalBytes <= this.maxTotalBytes) return;
    }
  }

  private pruneHistory(namespace: string, job: string, keep: KeepLimits): void {
    let succeeded = 0;
    let failed = 0;
    const finished = [...this.runsByKey.values()].filter(
      (e) => e.namespace === namespace && e.job === job && e.end,
    );
    for (const e of finished.reverse()) {
      const ok = e.end!.result === 'Succeeded';
      const kept = ok ? ++succeeded <= keep.succeeded : ++failed <= keep.failed;
      if (!kept) this.removeRun(e, 'history');
    }
  }

  private wake(e: RunEntry): void {
    const waiters = [...e.waiters];
    e.waiters.clear();
    for (const w of waiters) w();
  }

  // ---- reading

  private async *readEntry(e: RunEntry, follow: boolean, signal?: AbortSignal): AsyncGenerator<Buffer> {
    let next = e.segments[0]?.n ?? 1;
    let offset = 0;
    let lost = false;
    while (!signal?.aborted) {
      const seg = e.segments.find((s) => s.n >= next);
      if (seg && (seg.n !== next || lost)) {
        // Segments were deleted under this reader (a cap): say so, go on with what is left.
        yield Buffer.from(encodeLine(this.clock.now(), 'notice', '[output dropped here: over the size cap]'));
        next = seg.n;
        offset = 0;
        lost = false;
      }
      if (seg && offset < seg.flushed) {
        try {
          for await (const chunk of this.readFile(segmentPath(e.dir, seg.n), offset, seg.flushed)) {
            offset += chunk.length;
            yield chunk;
            if (signal?.aborted) return;
          }
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          next = seg.n + 1;
          offset = 0;
          lost = true;
        }
        continue;
      }
      if (seg && seg !== e.segments.at(-1)) {
        next = seg.n + 1;
        offset = 0;
        continue;
      }
      if (!follow || e.end || e.failed || !this.runsByKey.has(e.key)) return;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        e.waiters.add(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private async *readFile(path: string, start: number, endExclusive: number): AsyncGenerator<Buffer> {
    const stream = createReadStream(path, { start, end: endExclusive - 1, highWaterMark: READ_CHUNK_BYTES });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } finally {
      stream.destroy();
    }
  }

  // ---- start-up

  /** Takes stock of `<dir>/<ns>/<job>/<run>/`, oldest first; runs without end.json were interrupted. */
  private load(): void {
    const found: { e: RunEntry; mtime: number }[] = [];
    for (const namespace of listDirs(this.opts.dir)) {
      for (const job of listDirs(join(this.opts.dir, namespace))) {
        for (const run of listDirs(join(this.opts.dir, namespace, job))) {
          const dir = join(this.opts.dir, namespace, job, run);
          const segments: Segment[] = [];
          let mtime = 0;
          for (const f of readdirSync(dir)) {
            const m = /^(\d{6})\.log$/.exec(f);
            if (!m) continue;
            const st = statSync(join(dir, f));
            mtime = Math.max(mtime, st.mtimeMs);
            segments.push({ n: Number(m[1]), bytes: st.size, flushed: st.size });
          }
          segments.sort((a, b) => a.n - b.n);
          const bytes = segments.reduce((s, x) => s + x.bytes, 0);
          const e: RunEntry = {
            key: keyOf(namespace, job, run),
            namespace,
            job,
            run,
            dir,
            segments,
            bytes,
            out: undefined,
            queue: [],
            queuedBytes: 0,
            flushScheduled: false,
            writesInFlight: 0,
            failed: false,
            end: readEnd(dir) ?? { result: 'Interrupted', finishTime: new Date(mtime || 0).toISOString() },
            waiters: new Set(),
          };
          found.push({ e, mtime });
        }
      }
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const { e } of found) {
      this.runsByKey.set(e.key, e);
      this.totalBytes += e.bytes;
    }
    this.opts.metrics?.runs.set(this.runsByKey.size);
    this.opts.metrics?.diskBytes.set(this.totalBytes);
  }
}

function keyOf(namespace: string, job: string, run: string): string {
  return `${namespace}/${job}/${run}`;
}

function segmentPath(dir: string, n: number): string {
  return join(dir, `${String(n).padStart(6, '0')}.log`);
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME_RE.test(d.name))
      .map((d) => d.name);
  } catch {
    return [];
  }
}

function readEnd(dir: string): RunEnd | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, 'end.json'), 'utf8')) as RunEnd;
    return typeof v.result === 'string' && typeof v.finishTime === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
