/**
 * Scale: N ScheduledDockerJobs (10,000 by default; `--jobs=100000`) created through the real API
 * against the real operator process in embedded mode (bin/ofelia-operator.js: the compiled build
 * when dist/ is fresh, else the sources), as a new user would with `kubectl create -f`. Every job
 * is `H H 1 1 *`: nothing runs, only the control path is measured.
 *
 *   npm run bench -- scale                    (about 2 minutes at 10k on 2 cores)
 *   npm run bench -- scale --jobs=100000      (about 15 minutes)
 *   npm run bench -- scale --node-flags="--optimize-for-size"   (V8 flags for the operator)
 *
 * Prints, each with the goal of issue 14 and, where one exists, a baseline measured in this run:
 * - creation to `Ready` + NEXT (a watch sees both in status): p50/p99/max per job, and time to
 *   all-Ready against the time the creates themselves took;
 * - RSS of the process with 0 jobs and per job at N (after the creates settle);
 * - idle CPU with N jobs armed;
 * - CPU per status write: every job's spec is changed once (a merge patch, one new status each);
 *   process CPU over the phase / status writes. An upper bound: the phase also pays for the spec
 *   patches, their watch events and reconciles. And net of that: the same phase minus one of as
 *   many label patches (the same request, store write, watch events and reconcile, no status);
 * - list latency of all N jobs as JSON and as a Table (what `kubectl get sdj` asks for);
 * - restart to ready: SIGTERM, start again, until /readyz is ok and every job is armed; the RSS
 *   then and 15 s later (settled, per job over the RSS with 0 jobs).
 * CPU and RSS are read from /proc/<pid> of the operator process (Linux).
 * Each figure is measured twice in one run, a whole pass per `--embedded-client`: `https` (the
 * controller over loopback HTTPS and client-node, the baseline) then `in-process` (the default),
 * each with its own data directory; `--clients=in-process` runs one pass only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../src/api/schema.ts';
import { makeKubeClients, mergePatchOptions, withTimeout } from '../src/kube/clients.ts';
import { compiledBuildIsFresh } from '../test/helpers/operator-process.ts';
import { OPERATOR_BIN, OPERATOR_NODE_FLAGS } from './operator-bin.ts';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const JOBS = Number(arg('jobs') ?? process.env.JOBS ?? 10_000);
/** `--cpu-prof=DIR`: the operator process writes V8 CPU profiles there (one per process start). */
const CPU_PROF_DIR = arg('cpu-prof');
/** `--heap-snapshots=DIR`: V8 heap snapshots of the operator at 0 jobs and with N jobs armed, in DIR. */
const HEAP_DIR = arg('heap-snapshots');
/** Extra flags for the operator's node (`--node-flags="--optimize-for-size"`): to measure V8 settings. */
const NODE_FLAGS = (arg('node-flags') ?? '').split(' ').filter(Boolean);
const CONCURRENCY = 16;
/** After a phase's last event is seen: its last reconciles finish before its CPU is read. */
const SETTLE_MS = 1000;
const NS = 'default';
const BIN = OPERATOR_BIN;
const CLK_TCK = 100;
const PAGE = 4096;

/** `--clients=https,in-process` (default both: https first, the baseline). */
type EmbeddedClient = 'https' | 'in-process';
const CLIENTS = (arg('clients') ?? 'https,in-process').split(',') as EmbeddedClient[];
for (const c of CLIENTS)
  if (c !== 'https' && c !== 'in-process') throw new Error(`--clients: unknown client ${c}`);
const root = await mkdtemp(join(tmpdir(), 'ofelia-scale-'));
const build = compiledBuildIsFresh() ? 'compiled' : 'sources';

interface Operator {
  child: ChildProcess;
  httpUrl: string;
  exited: Promise<number | null>;
}

async function startOperator(client: EmbeddedClient, dataDir: string): Promise<Operator> {
  const child = spawn(
    process.execPath,
    [
      ...(CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : []),
      ...(HEAP_DIR ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${HEAP_DIR}`] : []),
      ...OPERATOR_NODE_FLAGS,
      ...NODE_FLAGS,
      BIN,
      'run',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      // The dashboard on, as by default, on a port of its own.
      '--dashboard-listen',
      '127.0.0.1:0',
      '--log-level',
      'info',
      '--log-format',
      'json',
      '--embedded-client',
      client,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: root,
        ...(build === 'sources' ? { OFELIA_FROM_SOURCES: '1' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffered = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const httpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`operator not started in 120 s: ${stderr}`)), 120_000);
    let url = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('observability endpoint listening'))
          url = (JSON.parse(line) as { url: string }).url;
        if (line.includes('"operator started"')) {
          clearTimeout(timer);
          resolve(url);
        }
      }
      if (buffered.length > 1 << 20) buffered = '';
    });
    void exited.then((code) => reject(new Error(`operator exited (${code}): ${stderr}`)));
  });
  return { child, httpUrl, exited };
}

/** Ask the operator for a heap snapshot and wait until it is written (its size stops changing). */
async function heapSnapshot(op: Operator): Promise<void> {
  if (!HEAP_DIR) return;
  const { readdirSync, statSync } = await import('node:fs');
  const before = new Set(readdirSync(HEAP_DIR));
  op.child.kill('SIGUSR2');
  let last = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(1000);
    const file = readdirSync(HEAP_DIR).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = statSync(join(HEAP_DIR, file)).size;
    if (size === last && size > 0) return;
    last = size;
  }
}

function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function procRssMb(pid: number): number {
  const statm = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
  return (Number(statm[1]) * PAGE) / 1024 / 1024;
}

async function metric(op: Operator, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${op.httpUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function readyz(op: Operator): Promise<boolean> {
  try {
    return (await fetch(`${op.httpUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const medianOf = (xs: { ms: number }[]) =>
  quantile(
    xs.map((x) => x.ms),
    0.5,
  );
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function pool(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** GET with the kubeconfig's CA and token; resolves with the time to the last byte. */
async function timedGet(
  kc: KubeConfig,
  path: string,
  accept: string,
): Promise<{ ms: number; bytes: number }> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const opts: import('node:https').RequestOptions = {
    host: server.hostname,
    port: server.port,
    path,
    method: 'GET',
    headers: { Accept: accept },
    timeout: 120_000,
  };
  await kc.applyToHTTPSOptions(opts);
  const began = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () =>
        res.statusCode === 200
          ? resolve({ ms: performance.now() - began, bytes })
          : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('list timed out')));
    req.on('error', reject);
    req.end();
  });
}

interface Figures {
  createMs: number;
  readyCount: number;
  lags: number[];
  allReadyMs: number;
  writesCreatePhase: number;
  cpuCreatePhase: number;
  rss0: number;
  rssN: number;
  idleCpuPct: number;
  writesRefresh: number;
  refreshMs: number;
  cpuRefresh: number;
  cpuLabels: number;
  writesLabels: number;
  lists: Record<string, { ms: number; bytes: number }[]>;
  restartMs: number;
  armed: number;
  rssRestart: number;
  rssRestartSettled: number;
}

/** One whole pass (start, creates, idle, refresh, lists, restart) with the controller on `client`. */
async function measure(client: EmbeddedClient): Promise<Figures> {
  const dataDir = join(root, `data-${client}`);
  const startOperatorHere = () => startOperator(client, dataDir);
  // ---- start, 0 jobs ------------------------------------------------------------------------------
  let op = await startOperatorHere();
  const pid = () => op.child.pid ?? 0;
  await sleep(3000);
  const rss0 = procRssMb(pid());
  await heapSnapshot(op);
  const kc = new KubeConfig();
  kc.loadFromFile(join(dataDir, 'kubeconfig'));
  const clients = makeKubeClients(kc);

  // ---- creates, and the watch that sees Ready + NEXT ------------------------------------------------
  const created = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const observedGen2 = new Set<string>();
  const touched = new Set<string>();
  const watch = new Watch(kc);
  const watchReq = await watch.watch(
    `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
    { allowWatchBookmarks: true },
    (
      _type,
      obj: {
        metadata?: { name?: string; labels?: Record<string, string> };
        status?: {
          nextScheduleTime?: string;
          observedGeneration?: number;
          conditions?: { type: string; status: string }[];
        };
      },
    ) => {
      const name = obj.metadata?.name ?? '';
      const s = obj.status;
      if (
        !readyAt.has(name) &&
        s?.nextScheduleTime &&
        s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
      )
        readyAt.set(name, performance.now());
      if ((s?.observedGeneration ?? 0) >= 2) observedGen2.add(name);
      if (obj.metadata?.labels?.touched === 'yes') touched.add(name);
    },
    () => {},
  );

  const cpuBeforeCreate = procCpuMs(pid());
  const writesBeforeCreate = await metric(op, 'ofelia_status_writes_total', '{result="success"}');
  const createBeganUs = monoUs();
  const createStart = performance.now();
  await pool(JOBS, async (i) => {
    const name = `job-${i}`;
    await clients.customObjects.createNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: NS,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'ScheduledDockerJob',
          metadata: { name },
          spec: { schedule: 'H H 1 1 *', run: { image: 'local/busybox:test', network: 'none' } },
        },
      },
      withTimeout(60_000),
    );
    created.set(name, performance.now());
  });
  const createMs = performance.now() - createStart;
  const readyDeadline = performance.now() + Math.max(120_000, JOBS * 5);
  while (readyAt.size < JOBS && performance.now() < readyDeadline) await sleep(100);
  const allReadyMs = Math.max(...readyAt.values()) - createStart;
  const cpuCreatePhase = procCpuMs(pid()) - cpuBeforeCreate;
  phases.push(`${client} creates ${createBeganUs} ${monoUs()}`);
  const writesCreatePhase =
    (await metric(op, 'ofelia_status_writes_total', '{result="success"}')) - writesBeforeCreate;
  const lags = [...readyAt].map(([name, at]) => at - (created.get(name) ?? at));

  // ---- idle with N armed ----------------------------------------------------------------------------
  await sleep(5000);
  const idleCpu0 = procCpuMs(pid());
  await sleep(10_000);
  const idleCpuPct = ((procCpuMs(pid()) - idleCpu0) / 10_000) * 100;
  const rssN = procRssMb(pid());
  await heapSnapshot(op);

  /** One merge patch on every job, 16 at once. */
  const patchEveryJob = (body: Record<string, unknown>) =>
    pool(JOBS, async (i) => {
      await clients.customObjects.patchNamespacedCustomObject(
        { group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, name: `job-${i}`, body },
        mergePatchOptions(60_000),
      );
    });

  // ---- the same number of patches that write no status: a label on every job ------------------------
  // The cost of the triggering patch itself (HTTPS request, admission, store, both watches, the
  // informer and a reconcile that finds nothing to write), to take out of the refresh below.
  const cpuBeforeLabels = procCpuMs(pid());
  const writesBeforeLabels = await metric(op, 'ofelia_status_writes_total', '{result="success"}');
  await patchEveryJob({ metadata: { labels: { touched: 'yes' } } });
  const labelsDeadline = performance.now() + Math.max(120_000, JOBS * 5);
  while (touched.size < JOBS && performance.now() < labelsDeadline) await sleep(100);
  await sleep(SETTLE_MS);
  const cpuLabels = procCpuMs(pid()) - cpuBeforeLabels;
  const writesLabels =
    (await metric(op, 'ofelia_status_writes_total', '{result="success"}')) - writesBeforeLabels;

  // ---- one status write per job: change every spec once ---------------------------------------------
  const refreshBeganUs = monoUs();
  const cpuBeforeRefresh = procCpuMs(pid());
  const writesBeforeRefresh = await metric(op, 'ofelia_status_writes_total', '{result="success"}');
  const refreshStart = performance.now();
  await patchEveryJob({ spec: { schedule: 'H H 2 1 *' } });
  const refreshDeadline = performance.now() + Math.max(120_000, JOBS * 5);
  while (observedGen2.size < JOBS && performance.now() < refreshDeadline) await sleep(100);
  const refreshMs = performance.now() - refreshStart;
  await sleep(SETTLE_MS);
  const cpuRefresh = procCpuMs(pid()) - cpuBeforeRefresh;
  phases.push(`${client} refresh ${refreshBeganUs} ${monoUs()}`);
  const writesRefresh =
    (await metric(op, 'ofelia_status_writes_total', '{result="success"}')) - writesBeforeRefresh;
  watchReq.abort();

  // ---- list latency ----------------------------------------------------------------------------------
  const listPath = `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`;
  const lists: Record<string, { ms: number; bytes: number }[]> = { json: [], table: [] };
  for (let i = 0; i < 3; i++) {
    lists.json?.push(await timedGet(kc, listPath, 'application/json'));
    lists.table?.push(
      await timedGet(
        kc,
        listPath,
        'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
      ),
    );
  }

  // ---- restart to ready --------------------------------------------------------------------------------
  op.child.kill('SIGTERM');
  await op.exited;
  const restartStart = performance.now();
  op = await startOperatorHere();
  const restartDeadline = performance.now() + 300_000;
  let armed = 0;
  while (performance.now() < restartDeadline) {
    armed = await metric(op, 'ofelia_scheduled_jobs');
    if (armed >= JOBS && (await readyz(op))) break;
    await sleep(200);
  }
  const restartMs = performance.now() - restartStart;
  const rssRestart = procRssMb(pid());
  // Settled, as the RSS with N jobs is read (15 s after the creates): at ready the heap still
  // holds the garbage of parsing every stored job.
  await sleep(15_000);
  const rssRestartSettled = procRssMb(pid());
  op.child.kill('SIGTERM');
  await op.exited;

  return {
    createMs,
    readyCount: readyAt.size,
    lags,
    allReadyMs,
    writesCreatePhase,
    cpuCreatePhase,
    rss0,
    rssN,
    idleCpuPct,
    writesRefresh,
    refreshMs,
    cpuRefresh,
    cpuLabels,
    writesLabels,
    lists,
    restartMs,
    armed,
    rssRestart,
    rssRestartSettled,
  };
}

/** Monotonic microseconds, the clock of V8's CPU profiles: phases can be cut out of a profile. */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);
const phases: string[] = [];
const results = new Map<EmbeddedClient, Figures>();
for (const client of CLIENTS) results.set(client, await measure(client));
await rm(root, { recursive: true, force: true });

// ---- report ------------------------------------------------------------------------------------------
/** One row: a label, how to print one pass's figure, the number a ratio compares (lower is better), the goal. */
interface Row {
  measure: string;
  figure: (f: Figures) => string;
  value?: (f: Figures) => number;
  goal: string;
}
const perJobKb = (f: Figures) => ((f.rssN - f.rss0) * 1024) / JOBS;
const cpuPerWrite = (f: Figures) => f.cpuRefresh / Math.max(1, f.writesRefresh);
const netPerWrite = (f: Figures) => (f.cpuRefresh - f.cpuLabels) / Math.max(1, f.writesRefresh);
const maxLag = (f: Figures) => Math.max(...f.lags);
const rows: Row[] = [
  {
    measure: 'jobs created (through the API, 16 at once)',
    figure: (f) => `${JOBS} in ${fmt(f.createMs / 1000)} s`,
    value: (f) => f.createMs,
    goal: '-',
  },
  { measure: 'jobs Ready with NEXT', figure: (f) => `${f.readyCount} of ${JOBS}`, goal: 'all' },
  {
    measure: 'creation to Ready+NEXT p50 / p99 / max',
    figure: (f) =>
      `${fmt(quantile(f.lags, 0.5), 0)} / ${fmt(quantile(f.lags, 0.99), 0)} / ${fmt(maxLag(f), 0)} ms`,
    value: maxLag,
    goal: 'max < 15,000 ms',
  },
  {
    measure: 'first create to all Ready vs creates alone',
    figure: (f) =>
      `${fmt(f.allReadyMs / 1000)} s vs ${fmt(f.createMs / 1000)} s (x${fmt(f.allReadyMs / f.createMs, 2)})`,
    value: (f) => f.allReadyMs,
    goal: '-',
  },
  {
    measure: 'CPU for the creates and their status writes',
    figure: (f) => `${fmt(f.cpuCreatePhase / 1000)} s (${f.writesCreatePhase} writes)`,
    value: (f) => f.cpuCreatePhase,
    goal: '-',
  },
  { measure: 'RSS with 0 jobs', figure: (f) => `${fmt(f.rss0)} MB`, value: (f) => f.rss0, goal: '< 120 MB' },
  {
    measure: `RSS with ${JOBS} jobs / per job`,
    figure: (f) => `${fmt(f.rssN)} MB / ${fmt(perJobKb(f), 2)} KB`,
    value: perJobKb,
    goal: '< 8 KB per job',
  },
  {
    measure: 'idle CPU with all jobs armed',
    figure: (f) => `${fmt(f.idleCpuPct, 2)} % of a core`,
    goal: '-',
  },
  {
    measure: 'spec change -> status write, end to end',
    figure: (f) => `${f.writesRefresh} writes in ${fmt(f.refreshMs / 1000)} s`,
    value: (f) => f.refreshMs,
    goal: '-',
  },
  {
    measure: 'CPU per status write (upper bound, incl. the spec patch)',
    figure: (f) => `${fmt(cpuPerWrite(f), 3)} ms`,
    value: cpuPerWrite,
    goal: '< 1 ms',
  },
  {
    measure: 'CPU per status write, net of its spec patch (minus label patches)',
    figure: (f) => `${fmt(netPerWrite(f), 3)} ms (label phase: ${f.writesLabels} writes)`,
    value: netPerWrite,
    goal: '< 1 ms',
  },
  {
    measure: `list ${JOBS} jobs, JSON (median of 3)`,
    figure: (f) =>
      `${fmt(medianOf(f.lists.json ?? []), 0)} ms, ${fmt((f.lists.json?.[0]?.bytes ?? 0) / 1e6)} MB`,
    value: (f) => medianOf(f.lists.json ?? []),
    goal: '-',
  },
  {
    measure: `list ${JOBS} jobs, Table (median of 3)`,
    figure: (f) =>
      `${fmt(medianOf(f.lists.table ?? []), 0)} ms, ${fmt((f.lists.table?.[0]?.bytes ?? 0) / 1e6)} MB`,
    value: (f) => medianOf(f.lists.table ?? []),
    goal: '-',
  },
  {
    measure: 'restart to ready with every job armed',
    figure: (f) => `${fmt(f.restartMs / 1000)} s (${f.armed} armed), RSS ${fmt(f.rssRestart)} MB`,
    value: (f) => f.restartMs,
    goal: '< 30 s (at 100k)',
  },
  {
    measure: 'RSS 15 s after the restart / per job',
    figure: (f) =>
      `${fmt(f.rssRestartSettled)} MB / ${fmt(((f.rssRestartSettled - f.rss0) * 1024) / JOBS)} KB`,
    value: (f) => f.rssRestartSettled - f.rss0,
    goal: '< 8 KB per job',
  },
];
console.log(
  `scale: ${JOBS} jobs, operator from ${build} (bin/ofelia-operator.js), embedded mode, ${process.version};\n` +
    `one pass per --embedded-client (${CLIENTS.join(', ')}), one after the other; the ratio is ` +
    `${CLIENTS.at(-1)} / ${CLIENTS[0]} (lower is better)\n`,
);
const table = rows.map((r) => {
  const cells = CLIENTS.map((c) => r.figure(results.get(c)!));
  const first = results.get(CLIENTS[0]!)!;
  const last = results.get(CLIENTS.at(-1)!)!;
  const ratio = r.value && CLIENTS.length > 1 ? `x${fmt(r.value(last) / r.value(first), 2)}` : '-';
  return [r.measure, ...cells, ...(CLIENTS.length > 1 ? [ratio] : []), r.goal];
});
const header = ['measure', ...CLIENTS, ...(CLIENTS.length > 1 ? ['ratio'] : []), 'goal'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
if (CPU_PROF_DIR) {
  console.log(`\nphases in the profiles' clock (monotonic µs), for bench/cpu-profile.ts --window:`);
  for (const p of phases) console.log(`  ${p}`);
}
process.exit(0);
