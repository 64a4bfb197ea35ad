/**
 * Snapshots: the full object map as of one resourceVersion, so that start-up replays only the log
 * written since, and old log segments can be deleted.
 *
 * File: a header frame `{format: 1, rv, count}`, one frame per object `{key, rv, value}`, and a
 * trailer frame `{end: true, count}`. A snapshot is valid only when every frame verifies and the
 * trailer's count matches the header's: anything else is SnapshotCorruptError, and recovery falls
 * back to the previous snapshot (and the log segments kept since it).
 *
 * Writing: temp file (0600) -> fsync -> rename -> fsync dir. Serialisation yields to the event loop
 * every few hundred objects so that a large snapshot never stalls request handling.
 */
import * as fs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SnapshotCorruptError } from './errors.ts';
import { encodeFrame, scanFrames } from './framing.ts';
import { decodeSnapshotEntry, decodeSnapshotHeader, encodeSnapshotEntry } from './records.ts';
import { FILE_MODE, fsyncDir, snapshotName } from './store-files.ts';
import { StoredObject } from './stored-object.ts';

const OBJECTS_PER_SLICE = 256;
const WRITE_CHUNK_BYTES = 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Write `objects` (an immutable copy of the map's entries) as the snapshot for `rv`; returns its path. */
export async function writeSnapshot(
  dir: string,
  rv: number,
  objects: readonly StoredObject[],
): Promise<string> {
  const file = join(dir, snapshotName(rv));
  const tmp = `${file}.tmp`;
  const handle = await fs.open(tmp, 'w', FILE_MODE);
  try {
    let chunk: Buffer[] = [
      encodeFrame(Buffer.from(JSON.stringify({ format: 1, rv, count: objects.length }))),
    ];
    let chunkBytes = 0;
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i]!;
      const frame = encodeFrame(encodeSnapshotEntry(o.key, o.resourceVersion, o.json));
      chunk.push(frame);
      chunkBytes += frame.length;
      if (chunkBytes >= WRITE_CHUNK_BYTES) {
        await handle.writev(chunk);
        chunk = [];
        chunkBytes = 0;
      }
      if (i % OBJECTS_PER_SLICE === OBJECTS_PER_SLICE - 1) await yieldToEventLoop();
    }
    chunk.push(encodeFrame(Buffer.from(JSON.stringify({ end: true, count: objects.length }))));
    await handle.writev(chunk);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fs.rename(tmp, file);
  await fsyncDir(dir);
  return file;
}

export interface LoadedSnapshot {
  rv: number;
  objects: StoredObject[];
}

export async function readSnapshot(file: string): Promise<LoadedSnapshot> {
  const name = basename(file);
  const buf = await fs.readFile(file);
  const { frames, problems } = scanFrames(buf);
  if (problems.length > 0) {
    const p = problems[0]!;
    throw new SnapshotCorruptError(name, `${p.reason} at offset ${p.offset}`);
  }
  const [headFrame, ...rest] = frames;
  const trailerFrame = rest.pop();
  if (!headFrame || !trailerFrame) throw new SnapshotCorruptError(name, 'missing header or trailer');
  const header = decodeSnapshotHeader(headFrame.payload);
  if (header instanceof Error) throw new SnapshotCorruptError(name, header.message);
  let trailer: unknown;
  try {
    trailer = JSON.parse(trailerFrame.payload.toString('utf8'));
  } catch {
    trailer = undefined;
  }
  const t = trailer as { end?: unknown; count?: unknown } | undefined;
  if (t?.end !== true || t.count !== header.count || rest.length !== header.count) {
    throw new SnapshotCorruptError(
      name,
      `expected ${header.count} objects and a trailer, found ${rest.length}`,
    );
  }
  const objects: StoredObject[] = [];
  for (const f of rest) {
    const entry = decodeSnapshotEntry(f.payload);
    if (entry instanceof Error)
      throw new SnapshotCorruptError(name, `${entry.message} at offset ${f.offset}`);
    if (entry.rv > header.rv) {
      throw new SnapshotCorruptError(
        name,
        `object ${entry.key} has rv ${entry.rv} > snapshot rv ${header.rv}`,
      );
    }
    objects.push(StoredObject.fromJson(entry.key, entry.rv, entry.valueJson, entry.value));
  }
  return { rv: header.rv, objects };
}
