/**
 * `ofelia-operator apiserver`: run the embedded Kubernetes-compatible API server alone.
 *
 * Opens the durable store in DATA_DIR/store, loads (or creates) the self-signed serving
 * certificate, issues a fresh "kubeconfig" token (revoking the previous one of that name), writes a
 * kubeconfig that kubectl and client-node use as is, and serves until SIGTERM/SIGINT, then closes
 * the server and the store and exits 0. The kubeconfig token is renewed (and the file rewritten)
 * when two thirds of its lifetime have passed, so a long-running server never locks kubectl out.
 * Failures at start (unusable data dir, port in use) print one line and exit 1.
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { formatDurationSeconds, parseDurationSeconds } from '../apiserver/auth/duration.ts';
import { writeKubeconfig } from '../apiserver/auth/kubeconfig.ts';
import { loadOrCreateServingCert } from '../apiserver/auth/tls.ts';
import { type CreatedToken, TokenStore } from '../apiserver/auth/token-store.ts';
import { startApiServer } from '../apiserver/index.ts';
import { dataDirPaths } from '../apiserver/store/data-dir.ts';
import { WalObjectStore } from '../apiserver/store/wal-store.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { type Clock, systemClock, type TimerHandle } from '../util/clock.ts';

export const DEFAULT_LISTEN = '127.0.0.1:6443';
export const DEFAULT_KUBECONFIG_TOKEN_TTL = 30 * 24 * 3600;
const KUBECONFIG_TOKEN_NAME = 'kubeconfig';

export const usage = `Usage: ofelia-operator apiserver --data-dir DIR [flags]

Run the embedded Kubernetes-compatible API server (HTTPS, bearer tokens) and write a kubeconfig.

Flags:
  --data-dir DIR            where objects, tokens and the serving certificate live (required; created 0700)
  --listen HOST:PORT        address to serve on (default ${DEFAULT_LISTEN}); a non-loopback address is
                            reachable from other machines: only with care (see docs/security.md)
  --write-kubeconfig FILE   kubeconfig to write (default DIR/kubeconfig; mode 0600)
  --token-ttl DURATION      lifetime of the kubeconfig's token, renewed at 2/3 (default ${formatDurationSeconds(DEFAULT_KUBECONFIG_TOKEN_TTL)})
  --tls-san HOST            extra host name or IP for the serving certificate (repeatable)
  --log-level LEVEL         trace, debug, info, warn, error (default info)
  -h, --help                this help
`;

const fail = (message: string, code: number): number => {
  process.stderr.write(`ofelia-operator apiserver: ${message}\n`);
  return code;
};

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (= 127.0.0.1). */
export function parseListen(text: string): ListenAddress | Error {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return new Error(`--listen: expected HOST:PORT, got "${text}"`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The address clients should dial: a wildcard bind is reached through loopback locally. */
function dialHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      'data-dir': { type: 'string' },
      listen: { type: 'string', default: DEFAULT_LISTEN },
      'write-kubeconfig': { type: 'string' },
      'token-ttl': { type: 'string' },
      'tls-san': { type: 'string', multiple: true },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (e) {
    return fail((e as Error).message, 2);
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const dataDir = values['data-dir'];
  if (!dataDir) return fail('--data-dir is required', 2);
  const listen = parseListen(values.listen);
  if (listen instanceof Error) return fail(listen.message, 2);
  let tokenTtl = DEFAULT_KUBECONFIG_TOKEN_TTL;
  if (values['token-ttl'] !== undefined) {
    const ttl = parseDurationSeconds(values['token-ttl']);
    if (ttl instanceof Error) return fail(`--token-ttl: ${ttl.message}`, 2);
    tokenTtl = ttl;
  }
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
  if (!levels.includes(values['log-level'])) {
    return fail(`--log-level: expected one of ${levels.join(', ')}, got "${values['log-level']}"`, 2);
  }
  const kubeconfig = values['write-kubeconfig'] ?? `${dataDir}/kubeconfig`;
  const logger = createLogger({ level: values['log-level'] });
  return run({
    dataDir,
    listen,
    kubeconfig,
    tokenTtl,
    extraHosts: values['tls-san'] ?? [],
    logger,
    clock: systemClock,
  });
}

interface RunOptions {
  dataDir: string;
  listen: ListenAddress;
  kubeconfig: string;
  tokenTtl: number;
  extraHosts: string[];
  logger: Logger;
  clock: Clock;
}

async function run(o: RunOptions): Promise<number> {
  const log = o.logger.child({ component: 'apiserver-cli' });
  const paths = dataDirPaths(o.dataDir);
  const store = new WalObjectStore({ dir: paths.store, logger: o.logger });
  try {
    await store.open();
  } catch (e) {
    return fail((e as Error).message, 1);
  }
  let tokens: TokenStore | undefined;
  let renewal: TimerHandle | undefined;
  let server: Awaited<ReturnType<typeof startApiServer>> | undefined;
  const shutdown = async () => {
    if (renewal) o.clock.clearTimeout(renewal);
    await server?.close();
    tokens?.close();
    await store.close();
  };
  try {
    tokens = await TokenStore.open({ dir: paths.root, logger: o.logger, clock: o.clock });
    const dial = dialHost(o.listen.host);
    const extraHosts = [...o.extraHosts, ...(isLoopback(dial) ? [] : [dial])];
    const cert = await loadOrCreateServingCert(paths.root, { extraHosts, now: o.clock.now() });
    if (!isLoopback(dial)) {
      const warning = `listening on ${o.listen.host}, a non-loopback address: the API is reachable from other machines; protect the kubeconfig and tokens, and prefer 127.0.0.1`;
      log.warn({ host: o.listen.host }, 'API server bound to a non-loopback address');
      process.stderr.write(`WARNING: ${warning}\n`);
    }
    server = await startApiServer({
      store,
      authenticator: tokens,
      listen: o.listen,
      tls: { cert: cert.cert, key: cert.key },
      logger: o.logger,
      storeOpened: true,
      clock: o.clock,
    });
    const url = `https://${dial.includes(':') ? `[${dial}]` : dial}:${server.port}`;
    const issue = async (): Promise<CreatedToken> => {
      const token = await tokens!.create({ name: KUBECONFIG_TOKEN_NAME, ttlSeconds: o.tokenTtl });
      await writeKubeconfig(o.kubeconfig, { server: url, caData: cert.caData, token: token.token });
      // Revoke the previous kubeconfig token only after the new file is in place.
      for (const old of tokens!.list()) {
        if (old.name === KUBECONFIG_TOKEN_NAME && old.id !== token.id) await tokens!.revoke(old.id);
      }
      return token;
    };
    const scheduleRenewal = () => {
      if (o.tokenTtl === 0) return;
      // 2/3 of the lifetime, at most ~24 days (the longest a Node timer can wait).
      const delay = Math.min((o.tokenTtl * 1000 * 2) / 3, 2 ** 31 - 1);
      renewal = o.clock.setTimeout(() => {
        issue()
          .then(() => log.info({ kubeconfig: o.kubeconfig }, 'kubeconfig token renewed'))
          .catch((e: unknown) => log.error({ err: e }, 'kubeconfig token renewal failed'))
          .finally(scheduleRenewal);
      }, delay);
    };
    await issue();
    scheduleRenewal();
    log.info({ url, kubeconfig: o.kubeconfig, dataDir: o.dataDir }, 'API server ready');
  } catch (e) {
    await shutdown().catch(() => undefined);
    return fail((e as Error).message, 1);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'shutting down');
  await shutdown();
  log.info({}, 'API server stopped cleanly');
  return 0;
}
