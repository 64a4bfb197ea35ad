/**
 * `ofelia-operator apiserver`: run the embedded Kubernetes-compatible API server alone.
 *
 * Parses the flags, then starts the embedded API server over DATA_DIR (src/apiserver/bootstrap.ts,
 * the same start-up as the operator's embedded mode): the durable store in DATA_DIR/store, the
 * self-signed serving certificate, a fresh "kubeconfig" token (the previous one of that name
 * revoked) in a kubeconfig that kubectl and client-node use as is, renewed (the file rewritten)
 * when two thirds of its lifetime have passed so a long-running server never locks kubectl out.
 * Serves until SIGTERM/SIGINT, then closes the server and the store and exits 0. A non-loopback
 * listen address is a WARNING line on stderr. Failures at start (unusable data dir, store in use,
 * port in use) print one line and exit 1; a bad flag prints one line and exits 2.
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS,
  type EmbeddedApiServer,
  formatDurationSeconds,
  parseDurationSeconds,
  startEmbeddedApiServer,
} from '../apiserver/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { type Clock, systemClock } from '../util/clock.ts';

export const DEFAULT_LISTEN = '127.0.0.1:6443';

export const usage = `Usage: ofelia-operator apiserver --data-dir DIR [flags]

Run the embedded Kubernetes-compatible API server (HTTPS, bearer tokens) and write a kubeconfig.

Flags:
  --data-dir DIR            where objects, tokens and the serving certificate live (required; created 0700)
  --listen HOST:PORT        address to serve on (default ${DEFAULT_LISTEN}); a non-loopback address is
                            reachable from other machines: only with care (see docs/security.md)
  --write-kubeconfig FILE   kubeconfig to write (default DIR/kubeconfig; mode 0600)
  --token-ttl DURATION      lifetime of the kubeconfig's token, renewed at 2/3 (default ${formatDurationSeconds(DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS)})
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
  let tokenTtl = DEFAULT_KUBECONFIG_TOKEN_TTL_SECONDS;
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
  let api: EmbeddedApiServer;
  try {
    api = await startEmbeddedApiServer({
      dataDir: o.dataDir,
      listen: o.listen,
      kubeconfigPath: o.kubeconfig,
      tokenTtlSeconds: o.tokenTtl,
      extraHosts: o.extraHosts,
      logger: o.logger,
      clock: o.clock,
    });
  } catch (e) {
    return fail((e as Error).message, 1);
  }
  if (!api.loopbackOnly) {
    process.stderr.write(
      `WARNING: listening on ${o.listen.host}, a non-loopback address: the API is reachable from other machines; protect the kubeconfig and tokens, and prefer 127.0.0.1\n`,
    );
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'shutting down');
  await api.close();
  log.info({}, 'API server stopped cleanly');
  return 0;
}
