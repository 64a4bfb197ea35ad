/**
 * Embedded mode: this process is its own Kubernetes-compatible API server.
 *
 * Checks the data directory, then starts the same embedded API server that
 * `ofelia-operator apiserver` runs (src/apiserver/bootstrap.ts: store, tokens, serving certificate,
 * server, a kubeconfig for kubectl whose token is renewed at two thirds of its lifetime), and gives
 * the controller a KubeConfig of its own — the server's URL and CA, and a token named `operator`
 * that lives as long as this process — for the calls it makes over loopback HTTPS as to a real
 * cluster (Events, Leases, Secrets, JobNotifiers; its job calls too with `--embedded-client https`),
 * and the server's in-process access for the job calls by default (src/in-process-client). A
 * failure is a StartupError (one line).
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS,
  type EmbeddedApiServer,
  EmbeddedApiServerError,
  type InProcessAccess,
  renderKubeconfig,
  startEmbeddedApiServer,
} from '../apiserver/index.ts';
import type { EmbeddedMode } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { ApiServerMetrics } from '../metrics/apiserver-metrics.ts';
import type { Clock } from '../util/clock.ts';
import { StartupError } from './errors.ts';
import { checkDataDir } from './startup-checks.ts';

/** Lifetime of the kubeconfig's token; it is renewed (and the file rewritten) at two thirds. */
export const KUBECONFIG_TOKEN_TTL_SECONDS = DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS;
const OPERATOR_TOKEN = 'operator';

export interface EmbeddedApi {
  /** The URL clients dial (loopback for a wildcard listen address). */
  readonly url: string;
  readonly port: number;
  /** Where the kubeconfig for kubectl was written. */
  readonly kubeconfigFile: string;
  /** The controller's own connection to the server. */
  readonly kubeConfig: KubeConfig;
  /** The server's engine without HTTPS, for the controller's job calls (--embedded-client in-process). */
  readonly inProcess: InProcessAccess;
  /** Stops the server, revokes the operator's token, closes the store. */
  close(): Promise<void>;
}

export interface EmbeddedDeps {
  logger: Logger;
  clock: Clock;
  metrics?: ApiServerMetrics;
}

export async function startEmbeddedApi(mode: EmbeddedMode, deps: EmbeddedDeps): Promise<EmbeddedApi> {
  const root = await checkDataDir(mode.dataDir);
  let api: EmbeddedApiServer;
  try {
    api = await startEmbeddedApiServer({
      dataDir: root,
      listen: mode.listen,
      kubeconfigPath: mode.writeKubeconfig,
      tokenTtlSeconds: KUBECONFIG_TOKEN_TTL_SECONDS,
      watchHistory: mode.watchHistory,
      logger: deps.logger,
      clock: deps.clock,
      metrics: deps.metrics,
    });
  } catch (e) {
    throw e instanceof EmbeddedApiServerError ? startupError(e, mode, root) : e;
  }
  try {
    // The controller's identity: a token that lives as long as this process.
    const token = await api.issueToken(OPERATOR_TOKEN);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(
      renderKubeconfig({ server: api.url, caData: api.caData, token, userName: 'ofelia-operator' }),
    );
    return {
      url: api.url,
      port: api.port,
      kubeconfigFile: api.kubeconfigPath,
      kubeConfig,
      inProcess: api.inProcess,
      close: () => api.close(),
    };
  } catch (e) {
    await api.close().catch(() => undefined);
    throw e;
  }
}

/** The operator's one line for each way the embedded API server fails to start. */
function startupError(e: EmbeddedApiServerError, mode: EmbeddedMode, root: string): StartupError {
  switch (e.reason) {
    case 'ListenFailed':
      return new StartupError(
        'ListenFailed',
        `--listen: cannot serve the embedded API server on ${mode.listen.host}:${mode.listen.port}: ${e.detail}`,
        { cause: e.cause },
      );
    case 'KubeconfigUnusable':
      return new StartupError(
        'KubeconfigUnusable',
        `--write-kubeconfig: cannot write ${mode.writeKubeconfig}: ${e.detail}`,
        { cause: e.cause },
      );
    default:
      return new StartupError('DataDirUnusable', `data directory ${root}: ${e.message}`, { cause: e.cause });
  }
}
