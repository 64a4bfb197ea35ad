/**
 * The `save` type: Ofelia's save middleware layout, `<folder>/YYYYMMDD_HHMMSS_<job>.stdout.log`,
 * `.stderr.log` and `.json` (time = the run's start, or the event's, in UTC; job =
 * `<namespace>_<job>`). `.stdout.log` and `.stderr.log` hold the end of each stream (at most
 * outputTailBytes each, as the runner keeps them apart); a message without them (an adopted run of
 * an older process) writes the merged tail to `.stdout.log`. The folder must lie
 * inside one of the operator's allowed folders (--notify-save-dir), checked on the real path
 * (symlinks resolved) before every write. Retention deletes this layout's files older than
 * `retentionDays`, scanning at most 10,000 entries.
 */
import { mkdir, readdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { JobNotifierSpec } from '../api/notifier-schema.ts';
import { DeliveryError } from './delivery-error.ts';
import type { Notification } from './notification.ts';

type SaveSpec = NonNullable<JobNotifierSpec['save']>;

const FILE_PATTERN = /^\d{8}_\d{6}_.+\.(stdout\.log|stderr\.log|json)$/;
const MAX_SCAN = 10_000;

/** Why `folder` is not inside one of `allowed`, or undefined (lexical check; writes re-check real paths). */
export function saveFolderProblem(folder: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return 'the operator allows no save folder (--notify-save-dir)';
  const inside = allowed.some((a) => folder === a || folder.startsWith(a.endsWith(sep) ? a : a + sep));
  return inside ? undefined : `not inside a folder the operator allows (${allowed.join(', ')})`;
}

export function saveStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export async function saveNotification(
  n: Notification,
  save: SaveSpec,
  allowed: readonly string[],
  now: number,
): Promise<void> {
  const lexical = saveFolderProblem(save.folder, allowed);
  if (lexical) throw new DeliveryError('NotReady', lexical, false);
  const mode = Number.parseInt(save.fileMode, 8);
  try {
    await mkdir(save.folder, { recursive: true, mode: 0o750 });
    const real = await realpath(save.folder);
    const realAllowed = await Promise.all(allowed.map((a) => realpath(a).catch(() => a)));
    if (saveFolderProblem(real, realAllowed))
      throw new DeliveryError('NotReady', 'the folder resolves outside the allowed folders', false);
    const at = n.startTime ? Date.parse(n.startTime) : n.atMs;
    const base = join(real, `${saveStamp(at)}_${n.namespace}_${n.job}`);
    const { outputTail, stdoutTail, stderrTail, ...meta } = n;
    const apart = stdoutTail !== undefined || stderrTail !== undefined;
    await writeFile(`${base}.stdout.log`, (apart ? stdoutTail : outputTail) ?? '', { mode });
    await writeFile(`${base}.stderr.log`, (apart ? stderrTail : undefined) ?? '', { mode });
    await writeFile(
      `${base}.json`,
      `${JSON.stringify({ ...meta, time: new Date(n.atMs).toISOString() }, null, 2)}\n`,
      { mode },
    );
    if (save.retentionDays > 0) await prune(real, now - save.retentionDays * 86_400_000);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    throw new DeliveryError('FileError', `cannot write: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function prune(folder: string, olderThanMs: number): Promise<void> {
  const names = (await readdir(folder)).slice(0, MAX_SCAN);
  for (const name of names) {
    if (!FILE_PATTERN.test(name)) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < olderThanMs) await unlink(path).catch(() => undefined);
  }
}
