/**
 * One API server over an already-made store and authenticator (the data-directory start-up that
 * makes them is embedded.ts).
 *
 * In: an ObjectStore (durable, resourceVersion-owning), an Authenticator (bearer tokens), a TLS
 * serving pair, a listen address. Out: an HTTPS server that real `kubectl` and
 * `@kubernetes/client-node` talk to — discovery, OpenAPI, CRUD, status, watch, Tables, merge/JSON
 * patches and server-side apply — for ScheduledDockerJobs, Events, Leases, Namespaces, Secrets and
 * ConfigMaps (see docs/apiserver.md for what is served and what differs from a real server).
 * Never: serves plain HTTP, answers a request without a valid token (except /livez, /readyz),
 * logs tokens or object contents, or buffers without a bound (bodies, watch backlogs, history).
 *
 * Lifecycle: `startApiServer` opens the store (unless `storeOpened`), creates the namespaces
 * `default`, `kube-system` and `ofelia-system` when missing, and listens; `close()` ends watches,
 * stops listening and closes the store (unless `storeOpened`: then the caller owns it).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { ApiServerMetrics } from '../metrics/apiserver-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import type { Authenticator } from './auth/authenticator.ts';
import { DEFAULT_MAX_BODY_BYTES } from './http/request-body.ts';
import { createRequestListener } from './http/request-listener.ts';
import { MAX_WATCH_TIMEOUT_SECONDS, RestHandler } from './http/rest-handler.ts';
import { type InProcessAccess, inProcessAccess } from './in-process.ts';
import { defaultKinds } from './kinds/served-kinds.ts';
import { ResourceService } from './registry/resource-service.ts';
import type { ObjectStore } from './store/object-store.ts';
import { DEFAULT_WATCH_LIMITS, OpenWatches } from './watch/open-watches.ts';
import { WatchHub } from './watch/watch-hub.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  authenticator: Authenticator;
  /** Default host 127.0.0.1; port 0 picks a free one. */
  listen: { host?: string; port: number };
  tls: { cert: string; key: string };
  logger: Logger;
  /** Largest accepted request body (default 3 MiB). */
  maxBodyBytes?: number;
  /** Changes kept for resuming watches (default 10,000); older versions get 410 Expired. */
  watchHistory?: number;
  /**
   * The longest a watch lasts, in seconds (default and cap 1800, Kubernetes' min-request-timeout);
   * watches asking for more, or for nothing, end at a random time in [half of it, all of it].
   */
  watchTimeoutSeconds?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Bytes a watcher may lag behind before it is dropped with an in-stream 410 (default 16 MiB). */
  maxWatchBacklogBytes?: number;
  /** Connections open at once (default 1024); more are closed as they arrive. */
  maxConnections?: number;
  /** Watches open at once (default 1000), and with one token (default 200); more get a 429. */
  maxWatches?: number;
  maxWatchesPerToken?: number;
  /** A TLS handshake not done within this is dropped (default 10 s): idle sockets cannot hold slots. */
  tlsHandshakeTimeoutMs?: number;
  /** Namespaces created at start besides default, kube-system and ofelia-system. */
  namespaces?: string[];
  /** The caller opened the store and will close it. */
  storeOpened?: boolean;
  clock?: Clock;
  metrics?: ApiServerMetrics;
}

export interface ApiServerHandle {
  readonly url: string;
  readonly port: number;
  /** The resource engine without HTTPS, for a client in this process (in-process.ts). */
  readonly inProcess: InProcessAccess;
  close(): Promise<void>;
}

export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'ofelia-system'];

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServerHandle> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger.child({ component: 'apiserver' });
  if (!opts.storeOpened) {
    const report = await opts.store.open();
    for (const w of report.warnings) log.warn({ warning: w }, 'store recovery warning');
    log.info({ restored: report.restored, resourceVersion: report.resourceVersion }, 'store opened');
  }
  const registry = defaultKinds();
  const hub = new WatchHub(opts.store, registry, opts.watchHistory ?? 10_000);
  const service = new ResourceService(opts.store, hub, registry, clock);
  await service.ensureNamespaces([...new Set([...DEFAULT_NAMESPACES, ...(opts.namespaces ?? [])])]);
  const watches = new OpenWatches({
    maxWatches: opts.maxWatches ?? DEFAULT_WATCH_LIMITS.maxWatches,
    maxWatchesPerToken: opts.maxWatchesPerToken ?? DEFAULT_WATCH_LIMITS.maxWatchesPerToken,
  });
  // A revoked or expired token ends its watches: a watch is not a way to outlive a token.
  const unsubscribeTokens = opts.authenticator.onTokenGone((tokenId) => {
    const ended = watches.endToken(tokenId);
    if (ended > 0) log.info({ tokenId, watches: ended }, 'watches ended: their token is no longer valid');
  });
  const rest = new RestHandler(service, hub, watches, {
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    watchTimeoutMs:
      Math.min(opts.watchTimeoutSeconds ?? MAX_WATCH_TIMEOUT_SECONDS, MAX_WATCH_TIMEOUT_SECONDS) * 1000,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
    maxWatchBacklogBytes: opts.maxWatchBacklogBytes ?? 16 * 1024 * 1024,
    now: () => clock.now(),
    random: Math.random,
    metrics: opts.metrics,
  });
  const listener = createRequestListener({
    registry,
    authenticator: opts.authenticator,
    rest,
    logger: log,
    metrics: opts.metrics,
  });
  const server: Server = createServer(
    {
      cert: opts.tls.cert,
      key: opts.tls.key,
      handshakeTimeout: opts.tlsHandshakeTimeoutMs ?? 10_000,
    },
    listener,
  );
  server.maxConnections = opts.maxConnections ?? 1024;
  // Watches are long-lived; a request's headers and body still have to arrive promptly.
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  const host = opts.listen.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.listen.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    unsubscribeTokens();
    hub.close();
    if (!opts.storeOpened) await opts.store.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url }, 'API server listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    inProcess: inProcessAccess(service, hub, registry),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        unsubscribeTokens();
        watches.endAll();
        server.closeIdleConnections();
        // Requests in flight get a moment to finish; then every connection goes.
        const grace = setTimeout(() => server.closeAllConnections(), 2000);
        await closed;
        clearTimeout(grace);
        hub.close();
        if (!opts.storeOpened) await opts.store.close();
        log.info({ url }, 'API server stopped');
      })();
      return closing;
    },
  };
}
