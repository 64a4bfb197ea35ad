/**
 * The embedded API server with its data directory: the one start-up shared by
 * `ofelia-operator apiserver` (src/cli/apiserver.ts) and the operator's embedded mode
 * (src/operator/embedded-mode.ts).
 *
 * In: a data directory (see store/data-dir.ts), a listen address, where to write the kubeconfig,
 * the kubeconfig token's lifetime, a logger and a clock.
 * Out: a running HTTPS API server over the durable store; a kubeconfig (0600) whose token — named
 * `kubeconfig` unless told otherwise — replaces the previous token of that name, and is renewed
 * (the file rewritten, then the old token revoked) when two thirds of its lifetime have passed;
 * `issueToken` for callers that need their own token for as long as the server runs; `close()`
 * that stops in order: renewal, server, the issued tokens revoked, token file, store.
 * Failures: an `EmbeddedApiServerError` with a `reason`, and everything started so far undone;
 * each caller turns it into its own one line.
 * Never: checks or creates the data directory beyond what the store and token file need (the
 * operator's start-up checks do that), prints to stdout/stderr, or reads process.env.
 */
import { isIP } from 'node:net';
import type { Logger } from '../log/logger.ts';
import type { ApiServerMetrics } from '../metrics/apiserver-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { type ApiServerHandle, type ApiServerOptions, startApiServer } from './api-server.ts';
import { writeKubeconfig } from './auth/kubeconfig.ts';
import { loadOrCreateServingCert, type ServingCert } from './auth/tls.ts';
import { TokenStore } from './auth/token-store.ts';
import { dataDirPaths } from './store/data-dir.ts';
import { WalObjectStore } from './store/wal-store.ts';

/** Lifetime of the kubeconfig's token by default; renewed at two thirds. */
export const DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const KUBECONFIG_TOKEN_NAME = 'kubeconfig';
/** The longest delay a Node timer takes (~24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export type EmbeddedApiServerFailure =
  | 'StoreUnusable'
  | 'TokensUnusable'
  | 'CertificateUnusable'
  | 'ListenFailed'
  | 'KubeconfigUnusable';

/**
 * Why the embedded API server did not start. `message` is the underlying error's message;
 * `detail` is its errno code when it has one (EADDRINUSE, EACCES ...), else that message.
 */
export class EmbeddedApiServerError extends Error {
  readonly detail: string;

  constructor(
    readonly reason: EmbeddedApiServerFailure,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message, { cause });
    this.name = 'EmbeddedApiServerError';
    this.detail = (cause as NodeJS.ErrnoException | undefined)?.code ?? message;
  }
}

export interface EmbeddedApiServerOptions {
  dataDir: string;
  /** Port 0 picks a free one. */
  listen: { host: string; port: number };
  /** Where the kubeconfig for kubectl is written. */
  kubeconfigPath: string;
  /** Name of the kubeconfig's token (default `kubeconfig`). */
  tokenName?: string;
  /** Lifetime of the kubeconfig's token in seconds; 0 = never expires, never renewed. */
  tokenTtlSeconds: number;
  /** Host names or IPs the serving certificate covers besides loopback and a non-loopback listen host. */
  extraHosts?: readonly string[];
  /** Changes kept for resuming watches (the API server's default when absent). */
  watchHistory?: number;
  /** Protocol limits passed to the server as they are (the server's defaults when absent). */
  serverLimits?: Pick<
    ApiServerOptions,
    'watchTimeoutSeconds' | 'bookmarkIntervalMs' | 'maxBodyBytes' | 'maxWatchBacklogBytes'
  >;
  logger: Logger;
  clock: Clock;
  metrics?: ApiServerMetrics;
}

export interface EmbeddedApiServer {
  /** The URL clients dial (loopback for a wildcard listen address). */
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  /** The serving certificate (PEM, base64), as kubeconfigs carry it. */
  readonly caData: string;
  /** Whether clients dial a loopback address (a wildcard bind counts as reachable from others). */
  readonly loopbackOnly: boolean;
  /**
   * A token that never expires and lives as long as this server: earlier tokens of that name are
   * revoked first, and this one is revoked by close(). Returns the secret.
   */
  issueToken(name: string): Promise<string>;
  /** Idempotent. */
  close(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** A wildcard bind is dialled through loopback on this machine. */
function dialHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

async function step<T>(reason: EmbeddedApiServerFailure, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new EmbeddedApiServerError(reason, e);
  }
}

export async function startEmbeddedApiServer(o: EmbeddedApiServerOptions): Promise<EmbeddedApiServer> {
  const log = o.logger.child({ component: 'embedded-apiserver' });
  const tokenName = o.tokenName ?? KUBECONFIG_TOKEN_NAME;
  const paths = dataDirPaths(o.dataDir);
  const store = new WalObjectStore({ dir: paths.store, logger: o.logger });
  const report = await step('StoreUnusable', () => store.open());
  // The store logs what it restored; its warnings (skipped corrupt records) are worth a repeat.
  for (const warning of report.warnings) log.warn({ warning }, 'store recovery warning');

  let tokens: TokenStore | undefined;
  let server: ApiServerHandle | undefined;
  let renewal: TimerHandle | undefined;
  let closing: Promise<void> | undefined;
  const issued = new Set<string>();
  const shutdown = async () => {
    if (renewal) o.clock.clearTimeout(renewal);
    await server?.close();
    if (tokens) {
      for (const name of issued) {
        await tokens.revoke(name).catch((e: unknown) => log.warn({ err: e, name }, 'token not revoked'));
      }
      tokens.close();
    }
    await store.close();
  };
  const close = () => {
    closing ??= shutdown();
    return closing;
  };

  try {
    tokens = await step('TokensUnusable', () =>
      TokenStore.open({ dir: paths.root, logger: o.logger, clock: o.clock }),
    );
    const dial = dialHost(o.listen.host);
    const loopbackOnly = isLoopbackHost(dial);
    const extraHosts = [...(o.extraHosts ?? []), ...(loopbackOnly ? [] : [dial])];
    const cert: ServingCert = await step('CertificateUnusable', () =>
      loadOrCreateServingCert(paths.root, { extraHosts, now: o.clock.now() }),
    );
    if (!loopbackOnly) {
      log.warn(
        { host: o.listen.host },
        'API server bound to a non-loopback address: reachable from other machines',
      );
    }
    server = await step('ListenFailed', () =>
      startApiServer({
        ...o.serverLimits,
        store,
        authenticator: tokens!,
        listen: o.listen,
        tls: { cert: cert.cert, key: cert.key },
        logger: o.logger,
        storeOpened: true,
        clock: o.clock,
        watchHistory: o.watchHistory,
        metrics: o.metrics,
      }),
    );
    const url = `https://${dial.includes(':') ? `[${dial}]` : dial}:${server.port}`;

    const issueKubeconfig = async () => {
      const t = await tokens!.create({ name: tokenName, ttlSeconds: o.tokenTtlSeconds });
      await writeKubeconfig(o.kubeconfigPath, { server: url, caData: cert.caData, token: t.token });
      // The previous token is revoked only once the new file is in place.
      for (const old of tokens!.list()) {
        if (old.name === tokenName && old.id !== t.id) await tokens!.revoke(old.id);
      }
    };
    const scheduleRenewal = () => {
      if (o.tokenTtlSeconds === 0 || closing) return;
      const delay = Math.min((o.tokenTtlSeconds * 1000 * 2) / 3, MAX_TIMER_DELAY_MS);
      renewal = o.clock.setTimeout(() => {
        issueKubeconfig()
          .then(() => log.info({ kubeconfig: o.kubeconfigPath }, 'kubeconfig token renewed'))
          .catch((e: unknown) => log.error({ err: e }, 'kubeconfig token renewal failed'))
          .finally(scheduleRenewal);
      }, delay);
    };
    await step('KubeconfigUnusable', issueKubeconfig);
    scheduleRenewal();
    log.info({ url, kubeconfig: o.kubeconfigPath, dataDir: o.dataDir }, 'API server ready');

    return {
      url,
      port: server.port,
      kubeconfigPath: o.kubeconfigPath,
      caData: cert.caData,
      loopbackOnly,
      issueToken: async (name) => {
        issued.add(name);
        await tokens!.revoke(name);
        return (await tokens!.create({ name, ttlSeconds: 0 })).token;
      },
      close,
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}
