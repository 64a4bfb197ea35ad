/**
 * The data directory's layout and the few durable file-system moves the store and the auth files
 * need. Layout (every file 0600, the directory 0700):
 *
 *   wal-<first rv, 20 digits>.log          log segments, replayed in name order
 *   snapshot-<rv, 20 digits>.snap          full state as of rv (the newest two are kept)
 *   *.tmp                                  an interrupted snapshot/atomic write: removed at open
 *   LOCK                                   the pid of the process that holds the store open
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const WAL_RE = /^wal-(\d{20})\.log$/;
const SNAPSHOT_RE = /^snapshot-(\d{20})\.snap$/;

export function walName(firstRv: number): string {
  return `wal-${String(firstRv).padStart(20, '0')}.log`;
}

export function snapshotName(rv: number): string {
  return `snapshot-${String(rv).padStart(20, '0')}.snap`;
}

export interface DirListing {
  /** Ascending by first rv. */
  segments: { name: string; firstRv: number }[];
  /** Descending by rv (newest first). */
  snapshots: { name: string; rv: number }[];
  temporaries: string[];
}

export async function listStoreDir(dir: string): Promise<DirListing> {
  const names = await fs.readdir(dir);
  const segments: DirListing['segments'] = [];
  const snapshots: DirListing['snapshots'] = [];
  const temporaries: string[] = [];
  for (const name of names) {
    const w = WAL_RE.exec(name);
    if (w) segments.push({ name, firstRv: Number(w[1]) });
    const s = SNAPSHOT_RE.exec(name);
    if (s) snapshots.push({ name, rv: Number(s[1]) });
    if (name.endsWith('.tmp')) temporaries.push(name);
  }
  segments.sort((a, b) => a.firstRv - b.firstRv);
  snapshots.sort((a, b) => b.rv - a.rv);
  return { segments, snapshots, temporaries };
}

/** Make a directory entry change (create, rename, unlink) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Create `dir` (and parents) with 0700 if missing. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: DIR_MODE });
}

export interface AtomicWriteOptions {
  /** File mode (default 0600). */
  mode?: number;
  /** Give the file this owner before it replaces the target (root writing for another user). */
  owner?: { uid: number; gid: number } | undefined;
}

/**
 * Replace `file` atomically and durably with `data` (mode 0600): write a temp file beside it,
 * fsync it, rename it over the target, fsync the directory. A crash leaves the old or the new
 * content, never a mix; a leftover `*.tmp` is harmless. The temp file has a random name and is
 * created with O_EXCL and O_NOFOLLOW: a file or symlink planted under a predictable name cannot
 * receive the content (a kubeconfig's token, say).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const mode = opts.mode ?? FILE_MODE;
  const tmp = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await fs.open(tmp, flags, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed the bits
    if (opts.owner) await handle.chown(opts.owner.uid, opts.owner.gid);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(file));
}
