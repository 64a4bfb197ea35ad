/**
 * Embedded mode: this process is its own Kubernetes-compatible API server.
 *
 * Checks the data directory, then starts the same embedded API server that
 * `ofelia-operator apiserver` runs (src/apiserver/embedded.ts: store, tokens, serving certificate,
 * server, a kubeconfig for kubectl whose token is renewed at two thirds of its lifetime), and gives
 * the operator the server's in-process access, which its API calls use by default
 * (src/in-process-client, operator/in-process-api.ts), and a connection of its own — the server's
 * URL and CA, and a token named `operator` that lives as long as this process — for
 * `--embedded-client https` (every call over loopback HTTPS, as to a real cluster) and for the
 * dashboard's address. Plain data: nothing here loads client-node. A failure is a StartupError
 * (one line).
 */
import {
  DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS,
  type EmbeddedApiServer,
  EmbeddedApiServerError,
  type InProcessAccess,
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
  /** The operator's own connection to the server over HTTPS. */
  readonly connection: ApiConnection;
  /** The server's engine without HTTPS, for the controller's job calls (--embedded-client in-process). */
  readonly inProcess: InProcessAccess;
  /** Stops the server, revokes the operator's token, closes the store. */
  close(): Promise<void>;
}

/** Where and as whom to reach an API server over HTTPS. */
export interface ApiConnection {
  readonly server: string;
  /** The server's CA, base64 PEM (as a kubeconfig's certificate-authority-data). */
  readonly caData: string;
  /** The bearer token. */
  readonly token: string;
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
    return {
      url: api.url,
      port: api.port,
      kubeconfigFile: api.kubeconfigPath,
      connection: { server: api.url, caData: api.caData, token },
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
