/**
 * Start-up of the installed command: the compiled build (dist/*.js) against the TypeScript sources
 * through tsx (OFELIA_FROM_SOURCES=1, the baseline: what bin/ and the image ran before), in the same
 * run, alternating, each 3 times:
 * - `ofelia-operator version`: process start to exit (module loading dominates);
 * - `ofelia-operator run` in embedded mode with 0 jobs: process start to the "operator started"
 *   log line, and the RSS 2 s later (from /proc).
 *
 *   npm run build && npm run bench -- startup          (about 1 minute)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledBuildIsFresh } from '../test/helpers/operator-process.ts';
import { OPERATOR_BIN, OPERATOR_NODE_FLAGS } from './operator-bin.ts';

const BIN = OPERATOR_BIN;
const ROUNDS = 3;
if (!compiledBuildIsFresh()) {
  console.log('dist/ is missing or older than src/: run `npm run build` first');
  process.exit(1);
}
type From = 'compiled' | 'sources';
const envOf = (from: From, home: string) => ({
  PATH: process.env.PATH ?? '',
  HOME: home,
  ...(from === 'sources' ? { OFELIA_FROM_SOURCES: '1' } : {}),
});

async function version(from: From, home: string): Promise<number> {
  const began = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [...OPERATOR_NODE_FLAGS, BIN, 'version'], {
      env: envOf(from, home),
      stdio: 'ignore',
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`version exited ${code}`))));
  });
  return performance.now() - began;
}

async function run(from: From, home: string): Promise<{ ms: number; rssMb: number }> {
  const dataDir = join(home, `data-${from}`);
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...OPERATOR_NODE_FLAGS,
      BIN,
      'run',
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
    ],
    { env: envOf(from, home), stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ms = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('not started in 120 s')), 120_000);
    let text = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      text = (text + d).slice(-65536);
      if (text.includes('"operator started"')) {
        clearTimeout(timer);
        resolve(performance.now() - began);
      }
    });
  });
  await new Promise((r) => setTimeout(r, 2000));
  const statm = readFileSync(`/proc/${child.pid}/statm`, 'utf8').split(' ');
  const rssMb = (Number(statm[1]) * 4096) / 1024 / 1024;
  child.kill('SIGTERM');
  await exited;
  return { ms, rssMb };
}

const home = await mkdtemp(join(tmpdir(), 'ofelia-startup-'));
const results: Record<From, { version: number[]; run: number[]; rss: number[] }> = {
  compiled: { version: [], run: [], rss: [] },
  sources: { version: [], run: [], rss: [] },
};
for (let i = 0; i < ROUNDS; i++) {
  for (const from of ['sources', 'compiled'] as const) {
    results[from].version.push(await version(from, home));
    const r = await run(from, home);
    results[from].run.push(r.ms);
    results[from].rss.push(r.rssMb);
  }
}
await rm(home, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const row = (what: string, unit: string, pick: (r: (typeof results)['compiled']) => number[]) => {
  const s = median(pick(results.sources));
  const c = median(pick(results.compiled));
  console.log(
    `| ${what.padEnd(40)} | ${`${s.toFixed(0)} ${unit}`.padStart(9)} | ${`${c.toFixed(0)} ${unit}`.padStart(9)} | x${(c / s).toFixed(2)} |`,
  );
};
console.log(`start-up, median of ${ROUNDS}, ${process.version}\n`);
console.log(`| ${'measure'.padEnd(40)} | sources (tsx) | compiled | ratio |`);
console.log(`|${'-'.repeat(42)}|-----------|-----------|-------|`);
row('`version`: start to exit', 'ms', (r) => r.version);
row('`run`, 0 jobs: start to "operator started"', 'ms', (r) => r.run);
row('`run`, 0 jobs: RSS 2 s after start', 'MB', (r) => r.rss);
