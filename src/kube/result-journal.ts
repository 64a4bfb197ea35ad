/**
 * The durable record of run results not yet written to their job's status — Kubernetes' Job
 * tracking with finalizers in miniature: a finished run is counted in the job's status before its
 * record may go, whatever happens in between (SIGTERM with a backlog, kill -9, an API outage).
 *
 * - `add(result)` appends the result to a JSON-lines file with one synchronous write(2) BEFORE the
 *   status change is submitted; `settle(id)` appends a `done` line once the status writer reports
 *   the change written (or impossible: the job is gone, the change rejected). A write(2) that
 *   returned is in the kernel: it survives the process being killed (not the host losing power;
 *   no fsync per result, as runs must never wait for a disk).
 * - `open()` reads the file (a torn last line, from a kill in the middle of a write, is ignored),
 *   keeps the results without `done`, and rewrites the file with only those (write to a temporary
 *   file + rename: a crash while compacting leaves the old file). Start-up replays `pending()`
 *   (controller/result-replay.ts); applying a result is idempotent per run name and attempt
 *   (run-history.ts), so a result written just before a kill is not counted twice.
 * - Bounded: at most `maxPending` results (default 10,000); beyond that a result is not journaled
 *   (still written to status as usual) and `add` returns undefined, counted by the caller. The
 *   file is compacted when settled lines outnumber pending ones (and at least 1,000).
 * - Never holds secrets beyond what the status itself shows (the record IS the status entry).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../api/schema.ts';

export const RESULT_JOURNAL_FILE = 'pending-results.jsonl';

/** A finished run whose result may not have reached its job's status yet. */
export interface PendingResult {
  namespace: string;
  name: string;
  /** The job's uid: a result never lands on a job re-created under the same name. */
  uid: string;
  record: RunRecord;
}

export interface JournaledResult extends PendingResult {
  id: number;
}

/** What the controller needs of a result journal (the file one, or none). */
export interface ResultJournal {
  /** Results recorded by an earlier process and never settled. */
  pending(): JournaledResult[];
  /** Record a result durably; its id, or undefined when the journal is full or closed. */
  add(result: PendingResult): number | undefined;
  /** The result `id` is in the status (or never can be): forget it. */
  settle(id: number): void;
  readonly pendingCount: number;
  close(): void;
}

interface AddLine extends PendingResult {
  op: 'add';
  id: number;
}

interface DoneLine {
  op: 'done';
  id: number;
}

export interface FileResultJournalOptions {
  maxPending?: number;
  /** Settled lines before a compaction is considered (default 1,000). */
  compactAfter?: number;
}

export class FileResultJournal implements ResultJournal {
  /** Pending results by id, with their line as written (to rewrite them when compacting). */
  private readonly lines = new Map<number, string>();
  private readonly recovered: JournaledResult[];
  private fd: number | undefined;
  private nextId = 1;
  private settledSinceCompaction = 0;
  private readonly maxPending: number;
  private readonly compactAfter: number;

  private constructor(
    private readonly file: string,
    recovered: JournaledResult[],
    opts: FileResultJournalOptions,
  ) {
    this.recovered = recovered;
    this.maxPending = opts.maxPending ?? 10_000;
    this.compactAfter = opts.compactAfter ?? 1_000;
  }

  /** Open (or create) `<dir>/pending-results.jsonl`, keeping only the results never settled. */
  static open(dir: string, opts: FileResultJournalOptions = {}): FileResultJournal {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, RESULT_JOURNAL_FILE);
    const pending = readPending(file);
    const journal = new FileResultJournal(file, pending, opts);
    for (const result of pending) {
      journal.lines.set(result.id, lineOf({ op: 'add', ...result }));
      journal.nextId = Math.max(journal.nextId, result.id + 1);
    }
    journal.compact();
    return journal;
  }

  get pendingCount(): number {
    return this.lines.size;
  }

  pending(): JournaledResult[] {
    return this.recovered.filter((r) => this.lines.has(r.id));
  }

  add(result: PendingResult): number | undefined {
    if (this.fd === undefined || this.lines.size >= this.maxPending) return undefined;
    const id = this.nextId++;
    const line = lineOf({
      op: 'add',
      id,
      namespace: result.namespace,
      name: result.name,
      uid: result.uid,
      record: result.record,
    });
    writeAll(this.fd, line);
    this.lines.set(id, line);
    return id;
  }

  settle(id: number): void {
    if (this.fd === undefined || !this.lines.delete(id)) return;
    writeAll(this.fd, lineOf({ op: 'done', id }));
    this.settledSinceCompaction++;
    if (this.settledSinceCompaction >= this.compactAfter && this.settledSinceCompaction > this.lines.size)
      this.compact();
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** Rewrite the file with the pending results only (temporary file + rename), then append to it. */
  private compact(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, [...this.lines.values()].join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.file, 'a', 0o600);
    this.settledSinceCompaction = 0;
  }
}

/** No journal: results reach the status as long as the process lives (tests, run-once). */
export const noResultJournal: ResultJournal = {
  pending: () => [],
  add: () => undefined,
  settle: () => {},
  pendingCount: 0,
  close: () => {},
};

function readPending(file: string): JournaledResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pending = new Map<number, JournaledResult>();
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    let line: AddLine | DoneLine;
    try {
      line = JSON.parse(raw) as AddLine | DoneLine;
    } catch {
      continue; // a torn line (killed in the middle of a write): its result was never submitted
    }
    if (line.op === 'add' && typeof line.id === 'number' && line.record && line.uid !== undefined) {
      pending.set(line.id, {
        id: line.id,
        namespace: line.namespace,
        name: line.name,
        uid: line.uid,
        record: line.record,
      });
    } else if (line.op === 'done') {
      pending.delete(line.id);
    }
  }
  return [...pending.values()];
}

function lineOf(value: AddLine | DoneLine): string {
  return `${JSON.stringify(value)}\n`;
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}
