/**
 * `ofelia-operator` (or any command) as a child process of an end-to-end test, the way a user or a
 * service manager runs it: its own minimal environment (PATH, HOME and what the test adds — never
 * this process's environment, which carries node:test's variables), free ports, a temp data dir.
 *
 *   const op = await startOperatorProcess({ home: tmp, dataDir, args: ['--shutdown-grace', '30s'] });
 *   await op.kubectl(['apply', '-f', '-'], { stdin: manifest });   // KUBECONFIG = the one it wrote
 *   await fetch(`${op.httpUrl}/metrics`);
 *   op.signal('SIGTERM'); assert.equal((await op.waitForExit()).code, 0);
 *   await op.stop();                                               // SIGKILL if still running
 *
 * Cluster mode (`run --kubeconfig FILE` against `ofelia-operator apiserver`): spawnClusterOperator.
 *
 * What it guarantees: stdout/stderr are kept bounded (the tail of each, with a marker when some was
 * dropped; the first MAX_LOGS JSON log lines parsed), every wait has a timeout, and no process
 * outlives its `lifetimeMs` (SIGKILL, to the whole group when `detached`). It never inherits the
 * test's environment and never retries anything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubectlResult } from './apiserver.ts';

/** The installed command, run with `node` like the package's `bin` entry. */
export const OPERATOR_BIN = fileURLToPath(new URL('../../bin/ofelia-operator.js', import.meta.url));

/** Kept of each output stream: the last this many characters. */
const MAX_TEXT_CHARS = 4 * 1024 * 1024;
/** JSON log lines parsed from stdout (the first ones are kept). */
const MAX_LOGS = 50_000;

export type LogEntry = Record<string, unknown>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Default: `node bin/ofelia-operator.js`; `args` follow it. */
  command?: string;
  args: string[];
  /** HOME of the process (kubectl and npm cache under it). */
  home: string;
  /** Added to `{ PATH, HOME }`. */
  env?: Record<string, string>;
  cwd?: string;
  /** Its own process group: `stop()` and the lifetime limit kill the group (npm's children too). */
  detached?: boolean;
  /** Run as this uid (and gid). */
  uid?: number;
  /** Text for stdin (closed right away; ignored when absent). */
  stdin?: string;
  /** SIGKILL after this long, whatever the test does (default 240 s). */
  lifetimeMs?: number;
}

export interface ChildHandle {
  readonly pid: number;
  /** JSON log lines of stdout, parsed, in order. */
  readonly logs: readonly LogEntry[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log entry whose msg is `msg`; rejects on timeout or exit. */
  waitForLog(msg: string, opts?: { timeoutMs?: number }): Promise<LogEntry>;
  /** Resolves when the process has exited and its output is read; rejects after `timeoutMs` (default 60 s). */
  waitForExit(timeoutMs?: number): Promise<Exit>;
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL (the group when detached) if still running, then wait for the exit. */
  stop(timeoutMs?: number): Promise<Exit>;
}

/** Appends to a string that keeps only its last MAX_TEXT_CHARS, saying how much it dropped. */
function boundedText(): { add(chunk: string): void; text(): string } {
  let text = '';
  let dropped = 0;
  return {
    add(chunk) {
      text += chunk;
      if (text.length > MAX_TEXT_CHARS) {
        dropped += text.length - MAX_TEXT_CHARS;
        text = text.slice(-MAX_TEXT_CHARS);
      }
    },
    text: () => (dropped ? `[${dropped} characters dropped]\n${text}` : text),
  };
}

function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return undefined; // not a log line (npm's own output, a partial write)
  }
}

/**
 * Whether dist/ (`npm run build`; `.ci/run` builds before the tests) is at least as new as every
 * source file. The command runs that compiled build like the installed command; when there is
 * none, or a source is newer (an edit since the last build), the sources: a test never runs
 * stale code.
 */

export function compiledBuildIsFresh(): boolean {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let built: number;
  try {
    built = statSync(join(root, 'dist', 'main.js')).mtimeMs;
  } catch {
    return false;
  }
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return t;
  };
  return newest(join(root, 'src')) <= built;
}

export function spawnChild(opts: SpawnOptions): ChildHandle {
  const command = opts.command ?? process.execPath;
  const args = opts.command === undefined ? [OPERATOR_BIN, ...opts.args] : opts.args;
  const fromSources =
    opts.command === undefined && !compiledBuildIsFresh() ? { OFELIA_FROM_SOURCES: '1' } : {};
  const child: ChildProcess = spawn(command, args, {
    cwd: opts.cwd,
    detached: opts.detached ?? false,
    env: { PATH: process.env.PATH ?? '', HOME: opts.home, ...fromSources, ...opts.env },
    stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
  });
  const out = boundedText();
  const err = boundedText();
  const logs: LogEntry[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out.add(d);
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    if (partial.length > MAX_TEXT_CHARS) partial = ''; // no log line is this long
    for (const line of lines) {
      const entry = logs.length < MAX_LOGS ? parseLogLine(line) : undefined;
      if (entry) logs.push(entry);
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => err.add(d));

  const killAll = (sig: NodeJS.Signals) => {
    if (opts.detached && child.pid !== undefined) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    } else child.kill(sig);
  };
  let exitInfo: Exit | undefined;
  let spawnError: Error | undefined;
  const exit = new Promise<Exit>((resolve) => {
    const settle = (e: Exit) => {
      if (exitInfo) return;
      exitInfo = e;
      clearTimeout(lifetime);
      resolve(e);
      notify();
    };
    child.on('close', (code, signal) => settle({ code, signal }));
    child.on('error', (e) => {
      // Only a process that never started has no close to wait for.
      spawnError = e;
      if (child.pid === undefined) settle({ code: null, signal: null });
    });
  });
  const lifetime = setTimeout(() => killAll('SIGKILL'), opts.lifetimeMs ?? 240_000);
  lifetime.unref();
  if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);

  const describe = () =>
    `${command} ${args.join(' ')}${spawnError ? `\nspawn error: ${spawnError.message}` : ''}\nstderr: ${err.text().slice(-4000)}\nlast logs: ${JSON.stringify(logs.slice(-5))}`;
  const waitForExit = (timeoutMs = 60_000): Promise<Exit> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no exit within ${timeoutMs} ms of ${describe()}`)),
        timeoutMs,
      );
      void exit.then((e) => {
        clearTimeout(timer);
        if (spawnError && child.pid === undefined) reject(spawnError);
        else resolve(e);
      });
    });

  return {
    pid: child.pid ?? -1,
    logs,
    stdout: out.text,
    stderr: err.text,
    waitForLog(msg, { timeoutMs = 60_000 } = {}) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          const hit = logs.find((e) => e.msg === msg);
          if (hit) {
            done();
            resolve(hit);
          } else if (exitInfo) {
            done();
            reject(new Error(`exited (${JSON.stringify(exitInfo)}) before logging "${msg}": ${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no log "${msg}" within ${timeoutMs} ms: ${describe()}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    waitForExit,
    signal: (sig) => {
      child.kill(sig);
    },
    async stop(timeoutMs = 30_000) {
      if (!exitInfo) killAll('SIGKILL');
      return waitForExit(timeoutMs);
    },
  };
}

/** Runs a command to its end (SIGKILL after `timeoutMs`), with its exit code and (bounded) output. */
export async function runToExit(opts: SpawnOptions & { timeoutMs?: number }): Promise<KubectlResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawnChild({ ...opts, lifetimeMs: timeoutMs });
  const { code } = await child.waitForExit(timeoutMs + 10_000);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

/** kubectl with only `{ PATH, HOME, KUBECONFIG }` in its environment, killed after 30 s. */
export function kubectlWith(kubeconfig: string, home: string) {
  return (args: string[], opts: { stdin?: string } = {}): Promise<KubectlResult> =>
    runToExit({
      command: 'kubectl',
      args,
      home,
      env: { KUBECONFIG: kubeconfig },
      stdin: opts.stdin ?? '',
      timeoutMs: 30_000,
    });
}

export interface OperatorStartOptions {
  /** HOME of the operator and of kubectl. */
  home: string;
  dataDir: string;
  /** Flags after the standard ones (e.g. `--shutdown-grace 30s`). */
  args?: string[];
  /** How long the operator may take to log "operator started" (default 60 s). */
  startTimeoutMs?: number;
  lifetimeMs?: number;
}

export interface OperatorProcess extends ChildHandle {
  readonly dataDir: string;
  /** The kubeconfig the embedded API server wrote. */
  readonly kubeconfig: string;
  /** Base URL of /metrics, /healthz, /readyz. */
  readonly httpUrl: string;
  /** Base URL of the dashboard and its output API (undefined when turned off). */
  readonly dashboardUrl: string | undefined;
  kubectl(args: string[], opts?: { stdin?: string }): Promise<KubectlResult>;
}

/**
 * `ofelia-operator run` in embedded mode: the given data dir, the API server and the HTTP endpoints
 * on free loopback ports, JSON logs. Resolves once it logs "operator started".
 */
export async function startOperatorProcess(opts: OperatorStartOptions): Promise<OperatorProcess> {
  const child = spawnChild({
    args: [
      'run',
      '--data-dir',
      opts.dataDir,
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--dashboard-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      ...(opts.args ?? []),
    ],
    home: opts.home,
    lifetimeMs: opts.lifetimeMs,
  });
  let started: LogEntry;
  try {
    started = await child.waitForLog('operator started', { timeoutMs: opts.startTimeoutMs ?? 60_000 });
  } catch (e) {
    await child.stop().catch(() => undefined);
    throw e;
  }
  const kubeconfig = String(started.kubeconfig);
  return {
    ...child,
    dataDir: opts.dataDir,
    kubeconfig,
    httpUrl: String(started.http),
    dashboardUrl: typeof started.dashboard === 'string' ? started.dashboard : undefined,
    kubectl: kubectlWith(kubeconfig, opts.home),
  };
}

export interface ClusterOperatorOptions {
  /** HOME of the operator. */
  home: string;
  /** The kubeconfig `ofelia-operator apiserver` wrote. */
  kubeconfig: string;
  /** `--node-name` (with it, member Leases in `default`: the spreading mode). */
  node?: string;
  /** `--docker-host`, e.g. `unix:///tmp/.../docker.sock`. */
  dockerHost?: string;
  /** Flags after the standard ones (e.g. `--member-lease-duration 12s`). */
  args?: string[];
  lifetimeMs?: number;
}

/**
 * `ofelia-operator run --kubeconfig FILE` (cluster mode): the HTTP endpoints and the dashboard on
 * free loopback ports, JSON logs, jobs of namespace `default`; with a node name, its member Lease
 * in `default` too. Returns at once: wait for "operator started" with `waitForLog`.
 */
export function spawnClusterOperator(opts: ClusterOperatorOptions): ChildHandle {
  return spawnChild({
    args: [
      'run',
      '--kubeconfig',
      opts.kubeconfig,
      '--http-listen',
      '127.0.0.1:0',
      '--dashboard-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      '--namespace',
      'default',
      ...(opts.node ? ['--leader-elect-namespace', 'default', '--node-name', opts.node] : []),
      ...(opts.dockerHost ? ['--docker-host', opts.dockerHost] : []),
      ...(opts.args ?? []),
    ],
    home: opts.home,
    lifetimeMs: opts.lifetimeMs,
  });
}
