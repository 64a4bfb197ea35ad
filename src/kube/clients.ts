/**
 * Client wiring from a KubeConfig: the three typed APIs the controller uses, and request options
 * that give every call a timeout (client-node 1.x has none by default) and, for patches, the
 * right Content-Type (client-node's default is a JSON patch). A KubeConfig that follows its file
 * (reloading-kubeconfig.ts) is checked before each request and at once after a 401, and the
 * server URL is read per request, so a renewed token or a restarted API server is picked up.
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  createConfiguration,
  type KubeConfig,
  PatchStrategy,
  ServerConfiguration,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  type HttpMethod,
  type ObservableMiddleware as Middleware,
  RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node/dist/gen/index.js';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { pooledAuth } from './connection-pool.ts';
import { isRefreshable } from './reloading-kubeconfig.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './request-timeout.ts';

export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly customObjects: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
}

/**
 * The API clients, sharing keep-alive connections (connection-pool.ts) instead of client-node's
 * new TLS connection per call.
 */
export function makeKubeClients(kubeConfig: KubeConfig): KubeClients {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  const refreshable = isRefreshable(kubeConfig);
  const configuration = createConfiguration({
    baseServer: refreshable
      ? new CurrentClusterServer(kubeConfig)
      : new ServerConfiguration(cluster.server, {}),
    authMethods: { default: pooledAuth(kubeConfig) },
    middleware: refreshable
      ? [
          {
            pre: (context: RequestContext) => of(context),
            post: (context: ResponseContext) => {
              // A rotated or revoked token: look at the file now, so the next call carries the new one.
              if (context.httpStatusCode === 401) kubeConfig.refreshIfChanged(true);
              return of(context);
            },
          },
        ]
      : [],
  });
  return {
    kubeConfig,
    customObjects: new CustomObjectsApi(configuration),
    core: new CoreV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
  };
}

/** The server URL as the KubeConfig says it at each request (after checking its file). */
class CurrentClusterServer extends ServerConfiguration<Record<string, string>> {
  constructor(private readonly kubeConfig: KubeConfig & { refreshIfChanged(force?: boolean): void }) {
    super('', {});
  }

  override makeRequestContext(endpoint: string, httpMethod: HttpMethod): RequestContext {
    this.kubeConfig.refreshIfChanged();
    return new RequestContext(`${this.kubeConfig.getCurrentCluster()?.server ?? ''}${endpoint}`, httpMethod);
  }
}

export { DEFAULT_REQUEST_TIMEOUT_MS };

type RequestOptions = ReturnType<typeof setHeaderOptions>;

function timeoutMiddleware(ms: number): Middleware {
  return {
    pre: (context: RequestContext) => {
      context.setSignal(AbortSignal.timeout(ms));
      return of(context);
    },
    post: (context: ResponseContext) => of(context),
  };
}

/** Options that abort the call after `ms`. */
export function withTimeout(ms: number = DEFAULT_REQUEST_TIMEOUT_MS, base?: RequestOptions): RequestOptions {
  return {
    ...base,
    middleware: [...(base?.middleware ?? []), timeoutMiddleware(ms)],
    middlewareMergeStrategy: 'append',
  };
}

/** A JSON merge patch (RFC 7386) with a timeout. */
export function mergePatchOptions(ms: number = DEFAULT_REQUEST_TIMEOUT_MS): RequestOptions {
  return withTimeout(ms, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** A JSON patch (RFC 6902) with a timeout (for test-and-set on finalizers). */
export function jsonPatchOptions(ms: number = DEFAULT_REQUEST_TIMEOUT_MS): RequestOptions {
  return withTimeout(ms, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
}
