/**
 * `envFrom`: whole environments taken from a ConfigMap, a Secret or another container (Ofelia's
 * `env-file`, imported as a ConfigMap/Secret, and `env-from`), resolved to Docker's `NAME=value`
 * list at run time. The job's own `env` entries are appended after these, so they win (Docker
 * keeps the last of a repeated name). Values never reach logs or messages: only object and
 * container names.
 */
import type { EnvFromSource } from '../api/schema.ts';
import type { DaemonClient } from '../docker/daemon-client.ts';
import { isNotFound } from '../docker/errors.ts';
import { RunFailure } from './run-failure.ts';
import type { SecretSource } from './secret-source.ts';

/** Names a variable may have when it comes from object keys (as Kubernetes' envFrom skips others). */
const ENV_NAME = /^[\x21-\x3c\x3e-\x7e][\x20-\x3c\x3e-\x7e]*$/;

export async function resolveEnvFrom(
  sources: readonly EnvFromSource[] | undefined,
  namespace: string,
  secrets: SecretSource,
  daemon: DaemonClient | undefined,
  field: string,
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < (sources?.length ?? 0); i++) {
    const source = sources![i]!;
    const at = `${field}[${i}]`;
    if (source.configMapRef || source.secretRef) {
      const isSecret = source.secretRef !== undefined;
      const ref = (source.secretRef ?? source.configMapRef)!;
      const what = isSecret ? 'Secret' : 'ConfigMap';
      let data: Record<string, string> | undefined;
      try {
        data = isSecret
          ? await secrets.getSecretData(namespace, ref.name)
          : await secrets.getConfigMapData(namespace, ref.name);
      } catch (e) {
        throw new RunFailure(
          'Error',
          'SecretSourceFailed',
          `${at}: reading ${what} ${namespace}/${ref.name} failed: ${(e as Error).message}`,
        );
      }
      if (data === undefined) {
        if (ref.optional) continue;
        throw new RunFailure('Error', `${what}NotFound`, `${at}: no ${what} ${namespace}/${ref.name}`);
      }
      for (const [key, value] of Object.entries(data)) if (ENV_NAME.test(key)) out.push(`${key}=${value}`);
    } else if (source.container) {
      if (!daemon) {
        throw new RunFailure('Error', 'InvalidSpec', `${at}.container: a local job has no Docker daemon`);
      }
      try {
        const info = await daemon.call('container.inspect', () =>
          daemon.docker.getContainer(source.container!).inspect(),
        );
        out.push(...((info.Config?.Env as string[] | null | undefined) ?? []));
      } catch (e) {
        if (isNotFound(e)) {
          throw new RunFailure(
            'ContainerNotFound',
            'EnvFromContainerNotFound',
            `${at}.container: no container ${source.container} to copy the environment from`,
          );
        }
        throw e;
      }
    }
  }
  return out;
}
