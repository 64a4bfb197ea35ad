/**
 * Memory per run under heavy output, and what output capture itself adds.
 *
 * Two series, each measured in two modes, each mode in its own child process (so one mode's
 * allocator high-water mark never colours the other's RSS):
 *   - main: RUNS runs (default 100) x MB MB of output (default 5; the 20 MB made the bench
 *     take > 2 min on 2 loaded cores, 5 MB still streams 500 MB per mode), PARALLEL (4) at a time;
 *   - long: LONG_RUNS runs (default 160) x LONG_MB MB (default 1): does RSS level off?
 * Modes, same containers (`yes` of 200-character lines | head -c BYTES), same stream pool:
 *   - baseline: the logs stream drained with a bare `resume()` (bytes counted, nothing parsed);
 *   - capture: JobRunner.run with a counting sink (frame parser, tail ring, line splitter, sink).
 *
 * After every finished run the child collects garbage and samples heap, RSS and external memory.
 * Growth per run is the least-squares slope over the runs after a warm-up (WARMUP, default 20),
 * not first-to-last: RSS includes allocator high-water marks (socket and stream buffers that glibc
 * keeps mapped) that are not leaks; a leak shows as a slope that stays positive, a high-water mark
 * as a slope that falls to ~0. "late slope" is the slope over the second half of the runs only.
 * Peak RSS is the kernel's (getrusage maxrss). Target: < 64 KiB per run.
 *   node --expose-gc --import tsx bench/run-memory.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DaemonClient } from '../src/docker/daemon-client.ts';
import { BENCH_IMAGE, benchRunner } from './helpers.ts';

const PARALLEL = Number(process.env.PARALLEL ?? 4);
const WARMUP = Number(process.env.WARMUP ?? 20);
const KiB = 1024;
const MiB = KiB * KiB;

type Mode = 'baseline' | 'capture';
interface Sample {
  run: number;
  heap: number;
  /** V8's committed heap: grows with the young generation under allocation churn, then stays. */
  heapTotal: number;
  rss: number;
  ext: number;
}
interface ChildResult {
  mode: Mode;
  runs: number;
  bytesPerRun: number;
  seconds: number;
  cpuMsPerRun: number;
  drained: number;
  failures: string[];
  startRss: number;
  peakRss: number;
  samples: Sample[];
}

/** Least-squares slope of y over x, in y units per x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function gc(): void {
  global.gc?.();
  global.gc?.();
}

async function child(mode: Mode, runs: number, bytesPerRun: number): Promise<ChildResult> {
  const script = `yes "$(printf "%0199d" 0)" | head -c ${bytesPerRun}`;
  let drained = 0;
  const failures: string[] = [];
  const { pool, runOnce, jobUid } = benchRunner({
    jobName: 'memory',
    args: ['sh', '-c', script],
    sink: {
      line(_r, _s, line) {
        drained += line.length + 1;
      },
    },
  });
  const daemon = pool.get();
  let bareSeq = 0;

  async function captureRun(): Promise<void> {
    const rec = await runOnce();
    // Counted, not fatal: on a shared daemon another process may kill a container.
    if (rec.result !== 'Succeeded') failures.push(`${rec.result}: ${rec.message}`);
  }

  async function bareRun(d: DaemonClient): Promise<void> {
    const { Id } = await d.createContainer(`ofelia_bench_memory_${jobUid.slice(0, 8)}_${++bareSeq}`, {
      Image: BENCH_IMAGE,
      Cmd: ['sh', '-c', script],
      Labels: { 'ofelia.dev/bench': 'run-memory' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      await d.startContainer(Id);
      const res = await d.logs(Id, { follow: true });
      const ended = new Promise<void>((resolve) => {
        res.once('end', resolve);
        res.once('close', resolve);
        res.once('error', () => resolve());
      });
      res.on('data', (c: Buffer) => {
        drained += c.length;
      });
      res.resume();
      const w = await d.waitContainer(Id);
      await ended;
      if (w.StatusCode !== 0) failures.push(`exit ${w.StatusCode}`);
    } finally {
      await d.removeContainer(Id, { force: true }).catch(() => {});
    }
  }

  const one = mode === 'capture' ? captureRun : () => bareRun(daemon);
  const samples: Sample[] = [];
  let done = 0;
  let next = 0;
  gc();
  const startRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < runs) {
        next++;
        await one();
        done++;
        gc();
        const m = process.memoryUsage();
        samples.push({
          run: done,
          heap: m.heapUsed,
          heapTotal: m.heapTotal,
          rss: m.rss,
          ext: m.external + m.arrayBuffers,
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  pool.close();
  return {
    mode,
    runs,
    bytesPerRun,
    seconds,
    cpuMsPerRun: (cpu.user + cpu.system) / 1000 / runs,
    drained,
    failures,
    startRss,
    peakRss: process.resourceUsage().maxRSS * KiB,
    samples,
  };
}

function spawnChild(mode: Mode, runs: number, bytesPerRun: number): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', self, 'child', mode, String(runs), String(bytesPerRun)],
    { encoding: 'utf8', maxBuffer: 64 * MiB },
  );
  if (r.status !== 0) throw new Error(`child ${mode} failed (${r.status}): ${r.stderr}`);
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ChildResult;
}

interface Row {
  label: string;
  unit: string;
  value: (c: ChildResult) => number;
}

function growth(c: ChildResult, key: 'heap' | 'heapTotal' | 'rss' | 'ext' | 'native', from: number): number {
  const pts = c.samples
    .filter((s) => s.run > from)
    .map((s) => ({ x: s.run, y: key === 'native' ? s.rss - s.heapTotal : s[key] }));
  return slope(pts) / KiB;
}

function report(title: string, base: ChildResult, cap: ChildResult): void {
  const half = Math.floor(cap.runs / 2);
  const rows: Row[] = [
    {
      label: `heap slope, runs ${WARMUP + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'heap', WARMUP),
    },
    {
      label: `RSS slope, runs ${WARMUP + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'rss', WARMUP),
    },
    {
      label: `RSS late slope, runs ${half + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'rss', half),
    },
    {
      label: `V8 committed heap slope, runs ${WARMUP + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'heapTotal', WARMUP),
    },
    {
      label: `RSS minus V8 heap slope, runs ${WARMUP + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'native', WARMUP),
    },
    {
      label: `external + array buffers slope, runs ${WARMUP + 1}..${cap.runs}`,
      unit: 'KiB/run',
      value: (c) => growth(c, 'ext', WARMUP),
    },
    { label: 'RSS before the first run', unit: 'MiB', value: (c) => c.startRss / MiB },
    { label: `RSS after run ${WARMUP}`, unit: 'MiB', value: (c) => (c.samples[WARMUP - 1]?.rss ?? 0) / MiB },
    { label: 'RSS after the last run', unit: 'MiB', value: (c) => (c.samples.at(-1)?.rss ?? 0) / MiB },
    { label: 'peak RSS (maxrss)', unit: 'MiB', value: (c) => c.peakRss / MiB },
    {
      label: 'V8 committed heap after the last run',
      unit: 'MiB',
      value: (c) => (c.samples.at(-1)?.heapTotal ?? 0) / MiB,
    },
    { label: 'operator CPU per run', unit: 'ms', value: (c) => c.cpuMsPerRun },
    { label: 'wall time', unit: 's', value: (c) => c.seconds },
  ];
  console.log(`\n### ${title}\n`);
  console.log('| measure | unit | baseline (resume) | capture | capture - baseline |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of rows) {
    const b = r.value(base);
    const c = r.value(cap);
    console.log(`| ${r.label} | ${r.unit} | ${b.toFixed(2)} | ${c.toFixed(2)} | ${(c - b).toFixed(2)} |`);
  }
  for (const c of [base, cap]) {
    const want = c.runs * c.bytesPerRun;
    const note = c.mode === 'capture' ? 'through the sink' : 'drained';
    console.log(`\n${c.mode}: ${(c.drained / 1e6).toFixed(0)} of ${(want / 1e6).toFixed(0)} MB ${note}`);
    if (c.failures.length)
      console.log(
        `${c.mode}: runs not Succeeded: ${c.failures.length} (${[...new Set(c.failures)].join('; ')})`,
      );
  }
}

if (process.argv[2] === 'child') {
  const r = await child(process.argv[3] as Mode, Number(process.argv[4]), Number(process.argv[5]));
  console.log(JSON.stringify(r));
} else {
  const runs = Number(process.env.RUNS ?? 100);
  const mb = Number(process.env.MB ?? 5);
  const longRuns = Number(process.env.LONG_RUNS ?? 160);
  const longMb = Number(process.env.LONG_MB ?? 1);
  const t0 = performance.now();
  const [load1] = (await import('node:os')).loadavg();
  console.log(
    `run memory: ${PARALLEL} runs at a time, warm-up ${WARMUP} runs, load average at start ${load1?.toFixed(2)}`,
  );
  const series: [string, number, number][] = [
    [`main: ${runs} runs x ${mb} MB`, runs, mb * 1e6],
    [`long: ${longRuns} runs x ${longMb} MB`, longRuns, longMb * 1e6],
  ];
  for (const [title, n, bytes] of series) {
    if (n <= WARMUP) continue;
    const base = spawnChild('baseline', n, bytes);
    const cap = spawnChild('capture', n, bytes);
    report(title, base, cap);
  }
  const [loadEnd] = (await import('node:os')).loadavg();
  console.log(
    `\ntarget: < 64 KiB per run (slopes). total ${((performance.now() - t0) / 1000).toFixed(0)} s, load average at end ${loadEnd?.toFixed(2)}`,
  );
}
