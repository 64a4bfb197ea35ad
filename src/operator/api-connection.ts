/**
 * The one choice of how this process reaches the API server (operator-api.ts), and the loading
 * that goes with it:
 * - embedded mode, `--embedded-client in-process` (the default): every call in-process against the
 *   embedded server (in-process-api.ts); client-node is never loaded;
 * - embedded mode, `--embedded-client https`: every call over loopback HTTPS with the operator's
 *   own token, through client-node, loaded here with a dynamic import;
 * - cluster mode: over HTTPS with the kubeconfig or service account (cluster-mode.ts, loaded here
 *   too, since it reads the kubeconfig with client-node).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { EmbeddedMode, InClusterMode, KubeconfigMode } from '../config/index.ts';
import type { Clock } from '../util/clock.ts';
import type { EmbeddedApi } from './embedded-mode.ts';
import { inProcessOperatorApi } from './in-process-api.ts';
import type { OperatorApi } from './operator-api.ts';

export interface ApiConnectionChoice {
  readonly api: OperatorApi;
}

/** Embedded mode: in-process, or over loopback HTTPS as `mode.client` says. */
export async function embeddedApiConnection(
  mode: EmbeddedMode,
  embedded: EmbeddedApi,
  clock: Clock,
): Promise<ApiConnectionChoice> {
  if (mode.client === 'in-process') return { api: inProcessOperatorApi(embedded.inProcess, clock) };
  const { embeddedKubeConfig, httpsOperatorApi } = await import('./https-api.ts');
  return { api: httpsOperatorApi(embeddedKubeConfig(embedded.connection), clock) };
}

/** Cluster mode: the kubeconfig file or the service account (a StartupError when unusable). */
export async function clusterApiConnection(
  mode: KubeconfigMode | InClusterMode,
  clock: Clock,
): Promise<ApiConnectionChoice & { readonly server: string; readonly config: KubeConfig }> {
  const [{ clusterKubeConfig }, { httpsOperatorApi }] = await Promise.all([
    import('./cluster-mode.ts'),
    import('./https-api.ts'),
  ]);
  const config = clusterKubeConfig(mode);
  return {
    api: httpsOperatorApi(config, clock),
    server: config.getCurrentCluster()?.server ?? '',
    config,
  };
}
