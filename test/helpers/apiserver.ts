/**
 * A real embedded API server for tests, started the way the product starts it
 * (src/apiserver/bootstrap.ts: WAL store, token file, self-signed TLS, server) in a fresh temp
 * data directory, listening on 127.0.0.1 (a free port unless given).
 *
 *   const api = await startTestApiServer();
 *   const r = await api.kubectl(['get', 'sdj', '-o', 'json']);   // { code, stdout, stderr }
 *   const kc = new KubeConfig(); kc.loadFromFile(api.kubeconfig);  // client-node
 *   await api.close();                                            // stops the server, removes the dir
 *
 * `restart()` stops the server and starts it again on the same port with the same data dir.
 * `seedStore(storeDir)` runs before the first start, to write objects straight into the store.
 * The tests' kubeconfig carries a never-expiring token made before the first start, not the one
 * the start-up writes into its own kubeconfig: that one is replaced at every start, and tests keep
 * clients (informers) across `restart()`.
 * kubectl runs with KUBECONFIG set, a per-server HOME (so its discovery cache never leaks between
 * tests) and a timeout; the process environment is otherwise inherited.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServerOptions } from '../../src/apiserver/index.ts';
import {
  dataDirPaths,
  type EmbeddedApiServerOptions,
  startEmbeddedApiServer,
  TokenStore,
  writeKubeconfig,
} from '../../src/apiserver/index.ts';
import { type Logger, silentLogger } from '../../src/log/logger.ts';
import { systemClock } from '../../src/util/clock.ts';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Text written to kubectl's stdin (for `-f -`). */
  stdin?: string;
  /** Kill after this long (default 30 s). */
  timeoutMs?: number;
  /** Extra environment (e.g. KUBECONFIG pointing elsewhere). */
  env?: Record<string, string>;
}

export interface TestApiServer {
  readonly url: string;
  readonly port: number;
  /** Path of a kubeconfig with the server, its CA and a valid token. */
  readonly kubeconfig: string;
  readonly token: string;
  /** Data dir of the server (store, tokens, certificate). */
  readonly dir: string;
  /** HOME given to kubectl (its cache lives under it). */
  readonly home: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** A long-running kubectl (`get -w`): read its output line by line, then stop it. */
  kubectlStream(args: string[]): KubectlStream;
  /** Stop and start again on the same port and data dir (the token stays valid). */
  restart(): Promise<void>;
  /** Stop serving (an outage: clients get connection errors) until `start()`. */
  stop(): Promise<void>;
  /** Start again after `stop()`, on the same port and data dir. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Protocol limits a test may shrink (small bodies, fast bookmarks, a small watch backlog). */
type ServerLimits = NonNullable<EmbeddedApiServerOptions['serverLimits']>;

export type TestApiServerOptions = Partial<
  ServerLimits & Pick<ApiServerOptions, 'watchHistory' | 'logger'>
> & {
  /** Called with the (empty) store directory before the server first opens it. */
  seedStore?: (storeDir: string) => Promise<void>;
};

/** What a start gives the helper: where it listens, its CA, and how to stop it. */
interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly caData: string;
  close(): Promise<void>;
}

interface BootContext {
  root: string;
  dataDir: string;
  watchHistory: number | undefined;
  logger: Logger;
}

export async function startTestApiServer(testOptions: TestApiServerOptions = {}): Promise<TestApiServer> {
  const { seedStore, watchHistory, logger = silentLogger(), ...limits } = testOptions;
  const root = await mkdtemp(join(tmpdir(), 'ofelia-apiserver-'));
  const dataDir = join(root, 'data');
  const home = join(root, 'home');
  const kubeconfig = join(root, 'kubeconfig');
  const token = await createTestToken(dataDir, logger);
  await seedStore?.(dataDirPaths(dataDir).store);

  const ctx: BootContext = { root, dataDir, watchHistory, logger };
  const boot = (port: number) => startAsProduct(ctx, port, limits);
  let running = await boot(0);
  await writeKubeconfig(kubeconfig, { server: running.url, caData: running.caData, token });

  return {
    get url() {
      return running.url;
    },
    port: running.port,
    kubeconfig,
    token,
    dir: dataDir,
    home,
    kubectl: (args, opts = {}) =>
      runKubectl(args, { ...opts, env: { KUBECONFIG: kubeconfig, HOME: home, ...opts.env } }),
    kubectlStream: (args) => streamKubectl(args, { KUBECONFIG: kubeconfig, HOME: home }),
    async restart() {
      await running.close();
      running = await boot(running.port);
    },
    async stop() {
      await running.close();
    },
    async start() {
      running = await boot(running.port);
    },
    async close() {
      await running.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A never-expiring token in the data dir's token file, which every later start reads. */
async function createTestToken(dataDir: string, logger: Logger): Promise<string> {
  const tokens = await TokenStore.open({ dir: dataDirPaths(dataDir).root, logger });
  try {
    return (await tokens.create({ name: 'test', ttlSeconds: 0 })).token;
  } finally {
    tokens.close();
  }
}

/** The product's start-up; its own kubeconfig goes beside the tests' one. */
function startAsProduct(ctx: BootContext, port: number, serverLimits: ServerLimits): Promise<RunningServer> {
  return startEmbeddedApiServer({
    dataDir: ctx.dataDir,
    listen: { host: '127.0.0.1', port },
    kubeconfigPath: join(ctx.root, 'embedded-kubeconfig'),
    tokenTtlSeconds: 0,
    watchHistory: ctx.watchHistory,
    serverLimits,
    logger: ctx.logger,
    clock: systemClock,
  });
}

/** Run kubectl; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runKubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

export interface KubectlStream {
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Resolves with the first line (at or after index `from`) matching `re`; rejects after `timeoutMs`. */
  waitForLine(re: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Kill kubectl (if still running) and resolve with its stderr. */
  stop(): Promise<string>;
}

function streamKubectl(args: string[], env: Record<string, string>): KubectlStream {
  const child = spawn('kubectl', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Never outlive a test run, whatever the test does.
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 120_000);
  hardStop.unref();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return {
    lines,
    waitForLine(re, opts = {}) {
      const from = opts.from ?? 0;
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find((l) => re.test(l));
          if (hit === undefined) return;
          cleanup();
          resolve(hit);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no line matching ${re} within ${opts.timeoutMs ?? 20_000} ms; got:\n${lines.join('\n')}\nstderr:\n${stderr}`,
            ),
          );
        }, opts.timeoutMs ?? 20_000);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      clearTimeout(hardStop);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      return stderr;
    },
  };
}
