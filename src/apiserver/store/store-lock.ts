/**
 * One process per data directory: a `LOCK` file holding the owner's pid. Two servers appending to
 * one log would interleave records, so a second opener fails with StoreOpenError naming the pid.
 * A lock left by a dead process (kill -9, power loss) is taken over. Within one process the set of
 * held directories decides, so a lock file copied with the directory does not block its copy.
 */
import * as fs from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StoreOpenError } from './errors.ts';
import { FILE_MODE } from './store-files.ts';

const heldInThisProcess = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireStoreLock(dir: string): Promise<() => Promise<void>> {
  const abs = resolve(dir);
  const file = join(abs, 'LOCK');
  if (heldInThisProcess.has(abs)) throw new StoreOpenError(dir, 'already open in this process');
  let owner: number | undefined;
  try {
    owner = Number.parseInt(await fs.readFile(file, 'utf8'), 10);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (owner && owner !== process.pid && isAlive(owner)) {
    throw new StoreOpenError(dir, `in use by process ${owner} (${file})`);
  }
  await fs.writeFile(file, `${process.pid}\n`, { mode: FILE_MODE });
  heldInThisProcess.add(abs);
  return async () => {
    heldInThisProcess.delete(abs);
    await fs.rm(file, { force: true });
  };
}
