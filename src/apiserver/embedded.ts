/**
 * The embedded API server with its data directory: the one start-up shared by
 * `ofelia-operator apiserver` (src/cli/apiserver.ts) and the operator's embedded mode
 * (src/operator/embedded-mode.ts).
 *
 * In: a data directory (see store/data-dir.ts), a listen address, where to write the kubeconfig,
 * the kubeconfig token's lifetime, a logger and a clock.
 * Out: a running HTTPS API server over the durable store; a kubeconfig (0600) whose token is
 * named `kubeconfig` unless told otherwise. Tokens behave like Kubernetes' so that running clients
 * are never locked out: a restart keeps the kubeconfig's token while it is valid and not yet due
 * for renewal (the file is only rewritten when the URL or certificate changed); a new token —
 * at two thirds of the old one's lifetime, or when the file holds none that works — is written
 * first, and the tokens it replaces stay valid for a grace period (`rotationGraceSeconds`) so
 * clients re-read the file before they stop working.
 * `issueToken` is for callers that need their own token for as long as the server runs; `close()`
 * stops in order: renewal, server, the issued tokens revoked, token file, store.
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
import { readKubeconfigToken, writeKubeconfig } from './auth/kubeconfig.ts';
import { loadOrCreateServingCert, type ServingCert } from './auth/tls.ts';
import { type TokenInfo, TokenStore } from './auth/token-store.ts';
import type { InProcessAccess } from './in-process.ts';
import { dataDirPaths } from './store/data-dir.ts';
import { WalObjectStore } from './store/wal-store.ts';

/** Lifetime of the kubeconfig's token by default; renewed at two thirds. */
export const DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const KUBECONFIG_TOKEN_NAME = 'kubeconfig';
/** How long a replaced kubeconfig token keeps working (client-go re-reads token files every minute). */
export const DEFAULT_ROTATION_GRACE_SECONDS = 600;
/** The longest delay a Node timer takes (~24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** A failed renewal is tried again after this long (the current token still works meanwhile). */
const RENEWAL_RETRY_MS = 60_000;

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
  /** How long a replaced kubeconfig token stays valid (default 600 s). */
  rotationGraceSeconds?: number;
  /** Host names or IPs the serving certificate covers besides loopback and a non-loopback listen host. */
  extraHosts?: readonly string[];
  /** Changes kept for resuming watches (the API server's default when absent). */
  watchHistory?: number;
  /** Protocol limits passed to the server as they are (the server's defaults when absent). */
  serverLimits?: Pick<
    ApiServerOptions,
    | 'watchTimeoutSeconds'
    | 'bookmarkIntervalMs'
    | 'maxBodyBytes'
    | 'maxWatchBacklogBytes'
    | 'maxWatches'
    | 'maxWatchesPerToken'
    | 'maxConnections'
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
  /** The CA certificate clients trust (PEM, base64), as kubeconfigs carry it. */
  readonly caData: string;
  /** Whether clients dial a loopback address (a wildcard bind counts as reachable from others). */
  readonly loopbackOnly: boolean;
  /** The resource engine without HTTPS, for the operator in this process (in-process.ts). */
  readonly inProcess: InProcessAccess;
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

/** Two thirds into a token's lifetime. */
function renewAt(t: TokenInfo): number {
  const created = Date.parse(t.createdAt);
  return created + ((Date.parse(t.expiresAt ?? t.createdAt) - created) * 2) / 3;
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
      TokenStore.open({ dir: paths.root, logger: o.logger, clock: o.clock, pollFile: true }),
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

    const graceSeconds = o.rotationGraceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS;
    const write = (token: string) =>
      writeKubeconfig(o.kubeconfigPath, { server: url, caData: cert.caData, token });
    /** A new token in the file first; then the ones it replaces get their grace period. */
    const rotate = async (): Promise<TokenInfo> => {
      const t = await tokens!.create({ name: tokenName, ttlSeconds: o.tokenTtlSeconds });
      await write(t.token);
      await tokens!.retire(tokenName, graceSeconds, t.id);
      return t;
    };
    /** The token the kubeconfig already holds, when it works and is not yet due for renewal. */
    const keepable = async (): Promise<{ token: string; info: TokenInfo } | undefined> => {
      const token = await readKubeconfigToken(o.kubeconfigPath);
      const principal = tokens!.authenticate(token);
      const held = principal && tokens!.get(principal.tokenId);
      if (!token || !held || held.name !== tokenName) return undefined;
      if ((held.expiresAt === null) !== (o.tokenTtlSeconds === 0)) return undefined;
      if (held.expiresAt !== null && renewAt(held) <= o.clock.now()) return undefined;
      return { token, info: held };
    };
    const scheduleRenewal = (current: TokenInfo, retryMs?: number) => {
      if (current.expiresAt === null || closing) return;
      const due = Math.max(renewAt(current) - o.clock.now(), 0);
      renewal = o.clock.setTimeout(
        () => {
          // A delay past the longest timer fires early: wait again until it is really due.
          if (retryMs === undefined && o.clock.now() < renewAt(current)) return scheduleRenewal(current);
          rotate()
            .then((next) => {
              log.info({ kubeconfig: o.kubeconfigPath }, 'kubeconfig token renewed');
              scheduleRenewal(next);
            })
            .catch((e: unknown) => {
              log.error({ err: e }, 'kubeconfig token renewal failed');
              scheduleRenewal(current, RENEWAL_RETRY_MS);
            });
        },
        Math.min(retryMs ?? due, MAX_TIMER_DELAY_MS),
      );
    };
    const current = await step('KubeconfigUnusable', async () => {
      const kept = await keepable();
      if (!kept) return rotate();
      // Same token; the URL (a new port) or the certificate may have changed.
      await write(kept.token);
      log.info({ kubeconfig: o.kubeconfigPath }, 'kubeconfig token kept: still valid');
      return kept.info;
    });
    scheduleRenewal(current);
    log.info({ url, kubeconfig: o.kubeconfigPath, dataDir: o.dataDir }, 'API server ready');

    return {
      url,
      port: server.port,
      kubeconfigPath: o.kubeconfigPath,
      caData: cert.caData,
      loopbackOnly,
      inProcess: server.inProcess,
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
