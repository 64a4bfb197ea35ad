/**
 * The operator instance id (see src/api/run-identity.ts): which containers on a shared Docker
 * daemon are this operator's to adopt and clean up.
 *
 * In: the --instance value (if given), the mode, the API server URL and the --namespace scope.
 * Out: the id and where it came from. Given: used as is. Embedded mode: a random id created once
 * and kept in `<data-dir>/instance-id` (0600), so a restart on the same data directory adopts its
 * own runs. Cluster mode: a hash of the server URL and namespace scope, the same for every replica
 * of one operator (a leadership hand-over adopts the previous leader's runs) and different for an
 * operator of another cluster or namespace.
 * Never: rewrites an existing id file (a damaged one stops the start-up instead of silently
 * orphaning the runs in progress).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INSTANCE_ID_PATTERN } from '../api/run-identity.ts';
import type { Mode } from '../config/index.ts';
import { StartupError } from './errors.ts';

export const INSTANCE_ID_FILE = 'instance-id';

export type InstanceSource = 'flag' | 'data-dir' | 'cluster';

export interface ResolvedInstance {
  id: string;
  source: InstanceSource;
}

/** A fresh random id: 16 hex digits. */
export function randomInstanceId(): string {
  return randomBytes(8).toString('hex');
}

/** The cluster-mode default: 16 hex digits of sha256(server URL, namespace scope). */
export function clusterInstanceId(serverUrl: string, namespace: string | undefined): string {
  return createHash('sha256')
    .update(`${serverUrl}\n${namespace ?? '*'}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The id kept in `<dataDir>/instance-id`, created (0600) on first use. A file that exists but does
 * not hold a valid id is a StartupError naming it.
 */
export async function loadOrCreateInstanceId(dataDir: string): Promise<string> {
  const file = join(dataDir, INSTANCE_ID_FILE);
  const existing = await readId(file);
  if (existing !== undefined) return existing;
  const id = randomInstanceId();
  try {
    // wx: never replaces a file another process wrote in the meantime.
    await writeFile(file, `${id}\n`, { mode: 0o600, flag: 'wx' });
    return id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      const raced = await readId(file);
      if (raced !== undefined) return raced;
    }
    throw unusable(file, 'cannot write it', e);
  }
}

async function readId(file: string): Promise<string | undefined> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(file, 'cannot read it', e);
  }
  const id = content.trim();
  if (!INSTANCE_ID_PATTERN.test(id)) {
    throw unusable(
      file,
      'it does not hold an instance id (1-40 of a-z, 0-9, -); fix it, or remove it to start as a new instance',
    );
  }
  return id;
}

function unusable(file: string, what: string, cause?: unknown): StartupError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new StartupError(
    'DataDirUnusable',
    `instance id file ${file} is not usable: ${what}${code ? ` (${code})` : ''}`,
    { cause },
  );
}

/** The instance of this operator: the flag, else the mode's default. */
export async function resolveInstance(opts: {
  given: string | undefined;
  mode: Mode;
  serverUrl: string;
  namespace: string | undefined;
}): Promise<ResolvedInstance> {
  if (opts.given !== undefined) return { id: opts.given, source: 'flag' };
  if (opts.mode.kind === 'embedded') {
    return { id: await loadOrCreateInstanceId(opts.mode.dataDir), source: 'data-dir' };
  }
  return { id: clusterInstanceId(opts.serverUrl, opts.namespace), source: 'cluster' };
}
