/**
 * Start-up recovery: rebuild the object map and the resourceVersion counter from the newest valid
 * snapshot plus every log record after it, and repair what a crash can leave behind.
 *
 * What it repairs (each one reported in `warnings`, none fatal):
 * - a torn tail on the last segment (a write interrupted by a crash, never acknowledged): dropped,
 *   and the file truncated to its last whole record so new appends follow valid data;
 * - a corrupt record in the middle of a segment: reported with file, offset and reason; replay
 *   resumes at the next valid frame; the resourceVersions it held are reported as missing;
 * - a corrupt snapshot: renamed to `*.corrupt` (kept as evidence) and the previous one used,
 *   with the log segments kept since it;
 * - `*.tmp` leftovers of interrupted snapshot writes: removed.
 * It never drops a record it could read: resourceVersions are dense (every write takes the next
 * one), so any gap in the replayed sequence is reported as possible data loss.
 */
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { scanFrames } from './framing.ts';
import { decodeWalRecord } from './records.ts';
import { readSnapshot } from './snapshot.ts';
import { type DirListing, fsyncDir } from './store-files.ts';
import { StoredObject } from './stored-object.ts';

export interface Recovered {
  objects: Map<string, StoredObject>;
  /** Highest resourceVersion found (snapshot or log). */
  resourceVersion: number;
  /** rv of the snapshot used as the base (0 = none). */
  snapshotRv: number;
  /** rvs of the valid-looking snapshots left on disk, newest first (the one used comes first). */
  snapshots: number[];
  /** Segments left on disk, ascending. */
  segments: DirListing['segments'];
  /** Records in the last segment (to continue counting towards the next snapshot). */
  lastSegmentRecords: number;
  /** Log records replayed after the snapshot. */
  replayed: number;
  warnings: string[];
}

export async function recover(dir: string, listing: DirListing): Promise<Recovered> {
  const warnings: string[] = [];
  for (const tmp of listing.temporaries) await fs.rm(join(dir, tmp), { force: true });

  // 1. The newest snapshot that verifies.
  let objects = new Map<string, StoredObject>();
  let snapshotRv = 0;
  const snapshots: number[] = [];
  for (const s of listing.snapshots) {
    if (snapshots.length > 0) {
      snapshots.push(s.rv);
      continue;
    }
    try {
      const loaded = await readSnapshot(join(dir, s.name));
      objects = new Map(loaded.objects.map((o) => [o.key, o]));
      snapshotRv = loaded.rv;
      snapshots.push(s.rv);
    } catch (e) {
      const evidence = `${s.name}.corrupt`;
      await fs.rename(join(dir, s.name), join(dir, evidence));
      warnings.push(`${(e as Error).message}; renamed to ${evidence}, falling back to an older snapshot`);
    }
  }

  // 2. Replay the log after the snapshot.
  let rv = snapshotRv;
  let replayed = 0;
  let lastSegmentRecords = 0;
  for (let i = 0; i < listing.segments.length; i++) {
    const seg = listing.segments[i]!;
    const isLast = i === listing.segments.length - 1;
    const buf = await fs.readFile(join(dir, seg.name));
    const scan = scanFrames(buf);
    for (const p of scan.problems) {
      if (p.kind === 'tail' && isLast) {
        warnings.push(
          `${seg.name}: dropped an incomplete record at offset ${p.offset} (${p.bytes} bytes, ${p.reason}): a write interrupted by a crash, never acknowledged`,
        );
        const handle = await fs.open(join(dir, seg.name), 'r+');
        try {
          await handle.truncate(scan.validEnd);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        warnings.push(
          `${seg.name}: corrupt data at offset ${p.offset} (${p.bytes} bytes skipped): ${p.reason}; ${p.kind === 'corrupt' ? 'replay resumed at the next valid record' : 'no valid record follows'}`,
        );
      }
    }
    if (isLast) lastSegmentRecords = scan.frames.length;
    for (const frame of scan.frames) {
      const record = decodeWalRecord(frame.payload);
      if (record instanceof Error) {
        warnings.push(`${seg.name}: unreadable record at offset ${frame.offset}: ${record.message}`);
        continue;
      }
      if (record.rv <= snapshotRv) continue; // already in the snapshot
      if (record.rv <= rv) {
        warnings.push(
          `${seg.name}: record at offset ${frame.offset} has resourceVersion ${record.rv}, not above ${rv}; ignored`,
        );
        continue;
      }
      if (record.rv > rv + 1) {
        warnings.push(
          `${seg.name}: resourceVersions ${rv + 1}..${record.rv - 1} are missing before offset ${frame.offset}: those writes are lost`,
        );
      }
      rv = record.rv;
      replayed++;
      if (record.op === 'put') {
        objects.set(record.key, StoredObject.fromJson(record.key, record.rv, record.valueJson, record.value));
      } else {
        objects.delete(record.key);
      }
    }
  }
  if (warnings.length > 0) await fsyncDir(dir);
  return {
    objects,
    resourceVersion: rv,
    snapshotRv,
    snapshots,
    segments: listing.segments,
    lastSegmentRecords,
    replayed,
    warnings,
  };
}
