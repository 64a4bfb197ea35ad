/**
 * Client wiring from a KubeConfig: the three typed APIs the controller uses, and request options
 * that give every call a timeout (client-node 1.x has none by default) and, for patches, the
 * right Content-Type (client-node's default is a JSON patch).
 */
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type {
  ObservableMiddleware as Middleware,
  RequestContext,
  ResponseContext,
} from '@kubernetes/client-node/dist/gen/index.js';
import { createConfiguration } from '@kubernetes/client-node/dist/gen/index.js';
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import { pooledAuth } from './connection-pool.ts';

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
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: pooledAuth(kubeConfig) },
  });
  return {
    kubeConfig,
    customObjects: new CustomObjectsApi(config),
    core: new CoreV1Api(config),
    coordination: new CoordinationV1Api(config),
  };
}

/** Default timeout of one API call. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

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
