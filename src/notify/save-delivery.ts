/**
 * The `save` type: Ofelia's save middleware, the run's report files (run-report-files.ts) written
 * to a folder. The folder must lie inside one of the operator's allowed folders
 * (--notify-save-dir), checked on the real path (symlinks resolved) before every write. Retention
 * deletes this layout's files older than `retentionDays`, scanning at most 10,000 entries.
 */
import { mkdir, readdir, realpath, stat, unlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { JobNotifierSpec } from '../api/notifier-schema.ts';
import { DeliveryError } from './delivery-error.ts';
import type { Notification } from './notification.ts';
import { runReportFiles } from './run-report-files.ts';

type SaveSpec = NonNullable<JobNotifierSpec['save']>;

const FILE_PATTERN = /^\d{8}_\d{6}_.+\.(stdout\.log|stderr\.log|json)$/;
const MAX_SCAN = 10_000;

/** Why `folder` is not inside one of `allowed`, or undefined (lexical check; writes re-check real paths). */
export function saveFolderProblem(folder: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return 'the operator allows no save folder (--notify-save-dir)';
  const inside = allowed.some((a) => folder === a || folder.startsWith(a.endsWith(sep) ? a : a + sep));
  return inside ? undefined : `not inside a folder the operator allows (${allowed.join(', ')})`;
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
    for (const file of runReportFiles(n)) await writeFile(join(real, file.name), file.content, { mode });
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
