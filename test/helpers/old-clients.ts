/**
 * The older, independently written clients installed by hack/old-clients.sh (called by .ci/run):
 * Debian's python3-kubernetes for /usr/bin/python3 and kubectl 1.20 extracted beside, never on
 * PATH. A missing client fails the test with the command that installs it; it is never a skip.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './manifests.ts';

export const PYTHON3 = '/usr/bin/python3';
export const KUBECTL_120 = join(
  process.env.OFELIA_OLD_CLIENTS_DIR ?? '/var/cache/ofelia-test/old-clients',
  'kubectl-1.20/usr/bin/kubectl',
);

const INSTALL = 'run `bash hack/old-clients.sh` as root (.ci/run does)';

export async function requirePythonClient(): Promise<void> {
  const r = await run(PYTHON3, ['-c', 'import kubernetes'], 30_000).catch((e: Error) => ({
    code: 1,
    stdout: '',
    stderr: e.message,
  }));
  if (r.code !== 0) throw new Error(`python3-kubernetes is not installed for ${PYTHON3}: ${INSTALL}`);
}

export function requireKubectl120(): void {
  if (!existsSync(KUBECTL_120)) throw new Error(`kubectl 1.20 is not at ${KUBECTL_120}: ${INSTALL}`);
}
