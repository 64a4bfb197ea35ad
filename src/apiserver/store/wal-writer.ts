/**
 * One open log segment: appends frames and makes them durable (writev + fdatasync).
 * Knows nothing about records or batching (group-commit.ts decides what goes into one call).
 */
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE, fsyncDir } from './store-files.ts';

export class SegmentWriter {
  /** fdatasync calls made through this writer. */
  fsyncs = 0;

  private constructor(
    readonly dir: string,
    readonly name: string,
    private readonly handle: fs.FileHandle,
    /** Bytes in the segment, including what was there before it was opened. */
    public bytes: number,
    /** Records appended through this writer plus `initialRecords`. */
    public records: number,
  ) {}

  /**
   * Open `name` for appending, creating it (0600) when missing; a new file's directory entry is
   * made durable before the first append can be acknowledged.
   */
  static async open(dir: string, name: string, initialRecords = 0): Promise<SegmentWriter> {
    const path = join(dir, name);
    const existed = await fs.stat(path).then(
      (s) => s.size,
      () => -1,
    );
    const handle = await fs.open(path, 'a', FILE_MODE);
    if (existed < 0) await fsyncDir(dir);
    return new SegmentWriter(dir, name, handle, Math.max(0, existed), initialRecords);
  }

  get path(): string {
    return join(this.dir, this.name);
  }

  /** Append `frames` in order and fdatasync once. Throws on any I/O error (the caller fail-stops). */
  async appendDurable(frames: Buffer[]): Promise<void> {
    let pending = frames;
    let total = 0;
    for (const f of frames) total += f.length;
    let written = 0;
    while (written < total) {
      const { bytesWritten } = await this.handle.writev(pending);
      written += bytesWritten;
      if (written < total) pending = remainder(frames, written);
    }
    await this.handle.datasync();
    this.fsyncs++;
    this.bytes += total;
    this.records += frames.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** The unwritten tail of `frames` after `skip` bytes (a short write: rare on regular files, still handled). */
function remainder(frames: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  let offset = skip;
  for (const f of frames) {
    if (offset >= f.length) {
      offset -= f.length;
      continue;
    }
    out.push(offset > 0 ? f.subarray(offset) : f);
    offset = 0;
  }
  return out;
}
