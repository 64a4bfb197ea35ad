/**
 * Registry credentials for a pull, from the job's `imagePullSecrets` (Secrets of type
 * kubernetes.io/dockerconfigjson, key `.dockerconfigjson`; the legacy `.dockercfg` too). The first
 * secret with an entry for the image's registry wins, as in Kubernetes.
 */
import type { RegistryAuth } from '../docker/engine-types.ts';
import { DOCKER_HUB } from '../docker/image-ref.ts';
import { RunFailure } from './run-failure.ts';
import type { SecretSource } from './secret-source.ts';

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
}

const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

/** `https://index.docker.io/v1/` -> `docker.io`; `http://127.0.0.1:5000/v2/` -> `127.0.0.1:5000`. */
export function normalizeRegistry(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//, '')
    .split('/')[0]!
    .toLowerCase();
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** The entry for `registry` in a parsed Docker config (`{auths: {...}}` or the legacy flat map). */
export function findRegistryAuth(config: unknown, registry: string): RegistryAuth | undefined {
  if (!config || typeof config !== 'object') return undefined;
  const auths = ((config as { auths?: unknown }).auths ?? config) as Record<string, DockerConfigEntry>;
  const want = normalizeRegistry(registry);
  for (const [key, entry] of Object.entries(auths)) {
    if (!entry || typeof entry !== 'object' || normalizeRegistry(key) !== want) continue;
    let { username, password } = entry;
    if ((!username || !password) && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        username = decoded.slice(0, colon);
        password = decoded.slice(colon + 1);
      }
    }
    const auth: RegistryAuth = { serveraddress: key };
    if (username) auth.username = username;
    if (password) auth.password = password;
    if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
    return auth;
  }
  return undefined;
}

/** Credentials for `registry` from the named secrets, in order; undefined when none has an entry. */
export async function resolvePullAuth(
  secrets: readonly { name: string }[] | undefined,
  namespace: string,
  registry: string,
  source: SecretSource,
): Promise<RegistryAuth | undefined> {
  if (!secrets?.length) return undefined;
  for (let i = 0; i < secrets.length; i++) {
    const name = secrets[i]!.name;
    let data: Record<string, string> | undefined;
    try {
      data = await source.getSecretData(namespace, name);
    } catch (e) {
      throw new RunFailure(
        'Error',
        'SecretSourceFailed',
        `spec.run.imagePullSecrets[${i}]: reading Secret ${namespace}/${name} failed: ${(e as Error).message}`,
      );
    }
    if (!data) {
      throw new RunFailure(
        'Error',
        'SecretNotFound',
        `spec.run.imagePullSecrets[${i}]: no Secret ${namespace}/${name}`,
      );
    }
    const raw = data['.dockerconfigjson'] ?? data['.dockercfg'];
    if (raw === undefined) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new RunFailure(
        'Error',
        'InvalidPullSecret',
        `spec.run.imagePullSecrets[${i}]: Secret ${namespace}/${name} does not hold valid Docker config JSON`,
      );
    }
    const auth = findRegistryAuth(parsed, registry);
    if (auth) return auth;
  }
  return undefined;
}
