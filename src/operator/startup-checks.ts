/**
 * Checks made once before the operator starts work, so that a wrong setting stops it at once
 * with one clear line instead of failing every run later: every configured Docker daemon answers
 * a ping, and the embedded data directory exists (created if missing) and is readable and
 * writable.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DaemonConfig } from '../docker/config.ts';
import type { DockerPool } from '../docker/pool.ts';
import { StartupError } from './errors.ts';

/** Pings every daemon concurrently, each bounded by `timeoutMs`; the first failure names its daemon. */
export async function checkDockerDaemons(
  pool: DockerPool,
  daemons: readonly DaemonConfig[],
  timeoutMs: number,
): Promise<void> {
  const failures = await Promise.all(
    daemons.map(async (d) => {
      try {
        await pool.get(d.name).ping(AbortSignal.timeout(timeoutMs));
        return undefined;
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        const detail = why.replace(/^ping on daemon "[^"]*": /, '');
        return `Docker daemon "${d.name}" at ${d.host} is not reachable: ${detail}`;
      }
    }),
  );
  const first = failures.find((f) => f !== undefined);
  if (first) throw new StartupError('DockerUnreachable', first);
}

/**
 * Makes sure `dir` is a directory this process can list, write and delete in, creating it (and
 * its parents) when missing. Returns the absolute path.
 */
export async function checkDataDir(dir: string): Promise<string> {
  const abs = resolve(dir);
  const fail = (what: string, e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    const detail = code ? ` (${code})` : '';
    throw new StartupError('DataDirUnusable', `data directory ${abs} is not usable: ${what}${detail}`, {
      cause: e,
    });
  };
  let isDir: boolean | undefined;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') fail('cannot look at it', e);
  }
  if (isDir === false) fail('it is not a directory', new Error('not a directory'));
  if (isDir === undefined) {
    try {
      await mkdir(abs, { recursive: true, mode: 0o700 });
    } catch (e) {
      fail('cannot create it', e);
    }
  }
  try {
    await access(abs, constants.R_OK | constants.W_OK | constants.X_OK);
    await readdir(abs);
  } catch (e) {
    fail('cannot read it', e);
  }
  const probe = join(abs, `.write-probe-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, 'ok\n', { mode: 0o600 });
    await rm(probe);
  } catch (e) {
    fail('cannot write in it', e);
  }
  return abs;
}
