/**
 * Resolves a job's environment (`value` or `valueFrom` a Secret/ConfigMap key) to Docker's
 * `NAME=value` list. A missing object or key fails the run with a clear reason unless `optional`.
 * Values never reach logs: only names and the object/key that was missing.
 */
import type { EnvVar } from '../api/schema.ts';
import { RunFailure } from './run-failure.ts';
import type { SecretSource } from './secret-source.ts';

export async function resolveEnv(
  env: readonly EnvVar[] | undefined,
  namespace: string,
  source: SecretSource,
  fieldPrefix: string,
): Promise<string[]> {
  const out: string[] = [];
  if (!env) return out;
  for (let i = 0; i < env.length; i++) {
    const v = env[i]!;
    const field = `${fieldPrefix}[${i}]`;
    if (v.valueFrom?.secretKeyRef) {
      const ref = v.valueFrom.secretKeyRef;
      const data = await lookup(() => source.getSecretData(namespace, ref.name), field);
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new RunFailure(
          'Error',
          data ? 'SecretKeyNotFound' : 'SecretNotFound',
          `${field}.valueFrom.secretKeyRef: ${data ? `key "${ref.key}" not in` : 'no'} Secret ${namespace}/${ref.name}`,
        );
      }
      out.push(`${v.name}=${value}`);
    } else if (v.valueFrom?.configMapKeyRef) {
      const ref = v.valueFrom.configMapKeyRef;
      const data = await lookup(() => source.getConfigMapData(namespace, ref.name), field);
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new RunFailure(
          'Error',
          data ? 'ConfigMapKeyNotFound' : 'ConfigMapNotFound',
          `${field}.valueFrom.configMapKeyRef: ${data ? `key "${ref.key}" not in` : 'no'} ConfigMap ${namespace}/${ref.name}`,
        );
      }
      out.push(`${v.name}=${value}`);
    } else {
      out.push(`${v.name}=${v.value ?? ''}`);
    }
  }
  return out;
}

async function lookup<T>(fn: () => Promise<T>, field: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new RunFailure(
      'Error',
      'SecretSourceFailed',
      `${field}: reading the referenced object failed: ${(e as Error).message}`,
    );
  }
}
