/**
 * Spawns test/helpers/operator-main.ts as a separate process (so a test can SIGKILL it while the
 * API server, in the test process, lives on). Output lines are kept (bounded) for assertions and
 * for the failure message; every process is killed when the test ends, whatever happens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type KubectlResult,
  startTestApiServer,
  type TestApiServer,
  type TestApiServerOptions,
} from './apiserver.ts';
import { testDocker } from './docker.ts';
import type { OperatorProcessConfig } from './operator-main.ts';

const MAIN = fileURLToPath(new URL('./operator-main.ts', import.meta.url));
const MAX_LINES = 20_000;

export interface OperatorProcess {
  readonly pid: number;
  readonly lines: string[];
  /** Resolves with the first log line (parsed) whose msg matches, at or after index `from`. */
  waitForLog(
    msg: RegExp,
    opts?: { from?: number; timeoutMs?: number; where?: (entry: Record<string, unknown>) => boolean },
  ): Promise<Record<string, unknown>>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit (graceful shutdown). */
  stop(timeoutMs?: number): Promise<number | null>;
  readonly exited: boolean;
}

export function startOperator(config: OperatorProcessConfig): OperatorProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  const lines: string[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
      for (const w of waiters) w();
    }),
  );
  const onData = (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) if (lines.length < MAX_LINES) lines.push(p);
    for (const w of waiters) w();
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  // Never outlive the test run.
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 180_000);
  hardStop.unref();

  const parse = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };

  return {
    pid: child.pid ?? -1,
    lines,
    get exited() {
      return exited;
    },
    waitForLog(msg, opts = {}) {
      const from = opts.from ?? 0;
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of lines.slice(from)) {
            const entry = parse(line);
            if (
              entry &&
              typeof entry.msg === 'string' &&
              msg.test(entry.msg) &&
              (!opts.where || opts.where(entry))
            ) {
              cleanup();
              resolve(entry);
              return;
            }
          }
          if (exited) {
            cleanup();
            reject(new Error(`operator exited before logging ${msg}:\n${lines.slice(-40).join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no log ${msg} within ${opts.timeoutMs ?? 20_000} ms:\n${lines.slice(-40).join('\n')}`),
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
    async kill() {
      clearTimeout(hardStop);
      if (!exited) child.kill('SIGKILL');
      await exit;
    },
    async stop(timeoutMs = 30_000) {
      clearTimeout(hardStop);
      if (exited) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}

// ---- shared helpers of the controller e2e tests ------------------------------------------------

/** A ScheduledDockerJob manifest running the test image with network none. */
export function jobManifest(
  name: string,
  spec: Record<string, unknown>,
  opts: { command?: string; annotations?: Record<string, string> } = {},
): string {
  const { run, ...rest } = spec;
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name, namespace: 'default', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      run: {
        image: process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test',
        command: ['sh', '-c', opts.command ?? 'echo hello'],
        network: 'none',
        ...(run as Record<string, unknown> | undefined),
      },
      ...rest,
    },
  });
}

export interface JobView {
  metadata: { name: string; uid: string; finalizers?: string[]; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: {
    lastScheduleTime?: string;
    nextScheduleTime?: string;
    lastResult?: string;
    activeCount?: number;
    active?: { name: string; containerId?: string }[];
    recentRuns?: {
      name: string;
      result: string;
      trigger?: string;
      scheduledTime: string;
      attempt?: number;
    }[];
    lastRun?: { name: string; result: string; trigger?: string; scheduledTime: string };
    counters?: { succeeded: number; failed: number; missed: number; skipped: number };
    conditions?: { type: string; status: string; reason: string; message?: string }[];
    lastManualTrigger?: string;
    observedGeneration?: number;
  };
}

type Kubectl = (args: string[], opts?: { stdin?: string }) => Promise<KubectlResult>;

export async function getJob(kubectl: Kubectl, name: string): Promise<JobView | undefined> {
  const r = await kubectl(['get', 'sdj', name, '-o', 'json']);
  if (r.code !== 0) return undefined;
  return JSON.parse(r.stdout) as JobView;
}

export { waitFor } from './wait.ts';

export async function applyJob(kubectl: Kubectl, manifest: string): Promise<void> {
  const r = await kubectl(['apply', '-f', '-'], { stdin: manifest });
  if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
}

// ---- the shared set-up of the controller e2e tests ------------------------------------------------

export interface ControllerEnvOptions {
  /** How many API servers to start, each with its own data dir (and so its own instance). Default 1. */
  apiServers?: number;
  /** Options of every API server started (e.g. a store seeded before the start). */
  apiServer?: TestApiServerOptions;
  /** How the `after` hook ends the operators: SIGKILL (default) or SIGTERM and a graceful stop. */
  endOperatorsBy?: 'kill' | 'stop';
  /**
   * Runs at the end of the `before` hook, once the API servers run (e.g. an operator every test
   * shares). Use this, not a second top-level `before`: on Node 20 those start without waiting
   * for this one.
   */
  setup?: (env: ControllerEnv) => Promise<void>;
  /** Runs first in the `after` hook, while the operators still run (e.g. deletes that wait on their finalizers). */
  beforeOperatorsEnd?: (env: ControllerEnv) => Promise<void>;
  /** Runs in the `after` hook once the operators have ended, before the API servers close (e.g. removes containers). */
  afterOperatorsEnd?: (env: ControllerEnv) => Promise<void>;
}

/** Read its fields inside tests and hooks only: the API servers and the daemon are set by the `before` hook. */
export interface ControllerEnv {
  /** The first API server. */
  readonly api: TestApiServer;
  /** Every API server, in start order. */
  readonly apis: readonly TestApiServer[];
  /** The test daemon's client. */
  readonly docker: Awaited<ReturnType<typeof testDocker>>;
  /** Every operator started through `startOperator` (or pushed here): ended in the `after` hook. */
  readonly operators: OperatorProcess[];
  /** kubectl against the first API server. */
  readonly kubectl: Kubectl;
  /** Starts an operator process (against the first API server unless `kubeconfig` is given) and adds it to `operators`. */
  startOperator(config: Omit<OperatorProcessConfig, 'kubeconfig'> & { kubeconfig?: string }): OperatorProcess;
}

/**
 * Registers the `before` and `after` hooks every controller e2e file needs: the test daemon found
 * (a missing one fails: Docker tests never skip), the embedded API server(s) started; at the end every operator started is
 * ended (even when a test failed half-way) and the API servers closed. It starts no operator itself
 * (one that every test of a file shares is started in `setup`).
 */
export function useControllerEnv(opts: ControllerEnvOptions = {}): ControllerEnv {
  let apis: TestApiServer[] = [];
  let docker: Awaited<ReturnType<typeof testDocker>> | undefined;
  const operators: OperatorProcess[] = [];
  /** The test's own teardown runs only when the set-up completed (else it would fail on what is missing). */
  let started = false;

  const env: ControllerEnv = {
    get api() {
      const first = apis[0];
      if (!first) throw new Error('useControllerEnv: api read before the before hook started it');
      return first;
    },
    get apis() {
      return apis;
    },
    get docker() {
      if (!docker) throw new Error('useControllerEnv: docker read before the before hook found it');
      return docker;
    },
    operators,
    kubectl: (args, kubectlOpts) => env.api.kubectl(args, kubectlOpts),
    startOperator(config) {
      const op = startOperator({ ...config, kubeconfig: config.kubeconfig ?? env.api.kubeconfig });
      operators.push(op);
      return op;
    },
  };

  before(async () => {
    docker = await testDocker();
    apis = await Promise.all(
      Array.from({ length: opts.apiServers ?? 1 }, () => startTestApiServer(opts.apiServer)),
    );
    started = true;
    await opts.setup?.(env);
  });

  after(async () => {
    if (started) await opts.beforeOperatorsEnd?.(env);
    for (const op of operators) await (opts.endOperatorsBy === 'stop' ? op.stop() : op.kill());
    if (started) await opts.afterOperatorsEnd?.(env);
    await Promise.all(apis.map((api) => api.close()));
  });

  return env;
}
