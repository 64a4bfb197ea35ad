/**
 * Embedded mode: this process is its own Kubernetes-compatible API server.
 *
 * Checks and opens the data directory (the durable object store, the bearer tokens and the
 * self-signed serving certificate live there), starts the same API server that
 * `ofelia-operator apiserver` runs, writes a kubeconfig for kubectl (its token renewed at two
 * thirds of its lifetime), and gives the controller a KubeConfig of its own — the server's URL
 * and CA, and a token named `operator` that lives as long as this process — so the controller
 * talks to the embedded server over loopback TLS exactly as it talks to a real cluster.
 */
import { isIP } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig, writeKubeconfig } from '../apiserver/auth/kubeconfig.ts';
import { loadOrCreateServingCert } from '../apiserver/auth/tls.ts';
import { TokenStore } from '../apiserver/auth/token-store.ts';
import { type ApiServerHandle, startApiServer } from '../apiserver/index.ts';
import { dataDirPaths } from '../apiserver/store/data-dir.ts';
import { WalObjectStore } from '../apiserver/store/wal-store.ts';
import type { EmbeddedMode } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { ApiServerMetrics } from '../metrics/apiserver-metrics.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { StartupError } from './errors.ts';
import { checkDataDir } from './startup-checks.ts';

/** Lifetime of the kubeconfig's token; it is renewed (and the file rewritten) at two thirds. */
export const KUBECONFIG_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const KUBECONFIG_TOKEN = 'kubeconfig';
const OPERATOR_TOKEN = 'operator';

export interface EmbeddedApi {
  /** The URL clients dial (loopback for a wildcard listen address). */
  readonly url: string;
  readonly port: number;
  /** Where the kubeconfig for kubectl was written. */
  readonly kubeconfigFile: string;
  /** The controller's own connection to the server. */
  readonly kubeConfig: KubeConfig;
  /** Stops the server, revokes the operator's token, closes the store. */
  close(): Promise<void>;
}

export interface EmbeddedDeps {
  logger: Logger;
  clock: Clock;
  metrics?: ApiServerMetrics;
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

export async function startEmbeddedApi(mode: EmbeddedMode, deps: EmbeddedDeps): Promise<EmbeddedApi> {
  const log = deps.logger.child({ component: 'embedded' });
  const root = await checkDataDir(mode.dataDir);
  const paths = dataDirPaths(root);

  const store = new WalObjectStore({ dir: paths.store, logger: deps.logger });
  try {
    // The store logs what it restored; its warnings (skipped corrupt records) are worth a repeat.
    const report = await store.open();
    for (const warning of report.warnings) log.warn({ warning }, 'store recovery warning');
  } catch (e) {
    throw new StartupError('DataDirUnusable', `data directory ${root}: ${(e as Error).message}`, {
      cause: e,
    });
  }

  let tokens: TokenStore | undefined;
  let server: ApiServerHandle | undefined;
  let renewal: TimerHandle | undefined;
  const cleanUp = async () => {
    if (renewal) deps.clock.clearTimeout(renewal);
    await server?.close();
    if (tokens) {
      await tokens
        .revoke(OPERATOR_TOKEN)
        .catch((e: unknown) => log.warn({ err: e }, 'operator token not revoked'));
      tokens.close();
    }
    await store.close();
  };

  try {
    tokens = await TokenStore.open({ dir: paths.root, logger: deps.logger, clock: deps.clock });
    const dial = dialHost(mode.listen.host);
    if (!isLoopbackHost(dial)) {
      log.warn(
        { host: mode.listen.host },
        'embedded API server bound to a non-loopback address: reachable from other machines',
      );
    }
    const cert = await loadOrCreateServingCert(paths.root, {
      extraHosts: isLoopbackHost(dial) ? [] : [dial],
      now: deps.clock.now(),
    });
    try {
      server = await startApiServer({
        store,
        authenticator: tokens,
        listen: mode.listen,
        tls: { cert: cert.cert, key: cert.key },
        logger: deps.logger,
        storeOpened: true,
        clock: deps.clock,
        watchHistory: mode.watchHistory,
        metrics: deps.metrics,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new StartupError(
        'ListenFailed',
        `--listen: cannot serve the embedded API server on ${mode.listen.host}:${mode.listen.port}: ${code}`,
        { cause: e },
      );
    }
    const url = `https://${dial.includes(':') ? `[${dial}]` : dial}:${server.port}`;

    // The controller's identity: a token that lives as long as this process.
    await tokens.revoke(OPERATOR_TOKEN);
    const own = await tokens.create({ name: OPERATOR_TOKEN, ttlSeconds: 0 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(
      renderKubeconfig({ server: url, caData: cert.caData, token: own.token, userName: 'ofelia-operator' }),
    );

    // kubectl's kubeconfig: a fresh token, the previous one revoked once the new file is in place.
    const issue = async () => {
      const t = await tokens!.create({ name: KUBECONFIG_TOKEN, ttlSeconds: KUBECONFIG_TOKEN_TTL_SECONDS });
      await writeKubeconfig(mode.writeKubeconfig, { server: url, caData: cert.caData, token: t.token });
      for (const old of tokens!.list()) {
        if (old.name === KUBECONFIG_TOKEN && old.id !== t.id) await tokens!.revoke(old.id);
      }
    };
    const scheduleRenewal = () => {
      // Two thirds of the lifetime, capped at the longest delay a Node timer takes.
      const delay = Math.min((KUBECONFIG_TOKEN_TTL_SECONDS * 1000 * 2) / 3, 2 ** 31 - 1);
      renewal = deps.clock.setTimeout(() => {
        issue()
          .then(() => log.info({ kubeconfig: mode.writeKubeconfig }, 'kubeconfig token renewed'))
          .catch((e: unknown) => log.error({ err: e }, 'kubeconfig token renewal failed'))
          .finally(scheduleRenewal);
      }, delay);
    };
    try {
      await issue();
    } catch (e) {
      throw new StartupError(
        'KubeconfigUnusable',
        `--write-kubeconfig: cannot write ${mode.writeKubeconfig}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { cause: e },
      );
    }
    scheduleRenewal();
    log.info({ url, kubeconfig: mode.writeKubeconfig, dataDir: root }, 'embedded API server ready');

    let closing: Promise<void> | undefined;
    return {
      url,
      port: server.port,
      kubeconfigFile: mode.writeKubeconfig,
      kubeConfig,
      close: () => {
        closing ??= cleanUp();
        return closing;
      },
    };
  } catch (e) {
    await cleanUp().catch(() => undefined);
    throw e;
  }
}
