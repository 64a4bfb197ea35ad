/**
 * Reads V8 CPU profiles (`--cpu-prof`, e.g. from `npm run bench -- scale --cpu-prof=DIR`) and says
 * where the time went: self time by area (the nearest frame of our own code: `src/<folder>`, else
 * the package in node_modules, else Node's internals, GC, idle) and the costliest functions.
 * Not a benchmark (run.ts does not run it): a reading aid.
 *
 *   node --import tsx bench/cpu-profile.ts FILE.cpuprofile [--window=FROM_US,TO_US] [--top=30]
 *
 * `--window` keeps only the samples taken between two instants of the profile's clock (monotonic
 * microseconds; the scale bench prints its phases in that clock).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: cpu-profile.ts FILE.cpuprofile [--window=FROM_US,TO_US] [--top=N]');
  process.exit(2);
}
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const [from, to] = (opt('window') ?? '0,Infinity').split(',').map(Number) as [number, number];
const top = Number(opt('top') ?? 30);
/** `--callers=NAME`: also list the stacks (callers, 4 deep) whose leaf function is NAME, by time. */
const callersOf = opt('callers');

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;

/** `src/<folder>` (or `dist/<folder>`) of an own-code URL; undefined for anything else. */
function ownArea(url: string): string | undefined {
  const m = /\/(?:src|dist)\/([^/]+)\/(?:([^/]+)\/)?[^/]+\.[jt]s$/.exec(url);
  if (!m || url.includes('/node_modules/')) return undefined;
  return m[1] === 'apiserver' && m[2] ? `apiserver/${m[2]}` : m[1];
}

function pkgOf(url: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return m?.[1];
}

const areaCache = new Map<number, string>();
function areaOf(id: number): string {
  const cached = areaCache.get(id);
  if (cached) return cached;
  const n = byId.get(id)!;
  const name = n.callFrame.functionName;
  let area: string;
  if (name === '(garbage collector)') area = '(gc)';
  else if (name === '(idle)' || name === '(program)' || name === '(root)') area = name;
  else {
    // The nearest own frame on the stack, else the innermost package, else Node's internals.
    let own: string | undefined;
    let pkg: string | undefined;
    for (let cur: ProfileNode | undefined = n; cur; cur = cur.parent ? byId.get(cur.parent) : undefined) {
      own = ownArea(cur.callFrame.url);
      if (own) break;
      pkg ??= pkgOf(cur.callFrame.url);
    }
    area = own ?? (pkg ? `node_modules/${pkg}` : 'node internals');
  }
  areaCache.set(id, area);
  return area;
}

/**
 * The stage of a sample, from its whole stack: the API server (any frame in src/apiserver), the
 * controller side (any frame in our other folders), client-node and its HTTP client when no own
 * frame is on the stack, else Node (sockets, timers, streams) and GC.
 */
function stageOf(id: number): string {
  const n = byId.get(id)!;
  const name = n.callFrame.functionName;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return '(idle)';
  let stage: string | undefined;
  let pkg: string | undefined;
  for (let cur: ProfileNode | undefined = n; cur; cur = cur.parent ? byId.get(cur.parent) : undefined) {
    const own = ownArea(cur.callFrame.url);
    if (own?.startsWith('apiserver')) return 'API server (src/apiserver and what it calls)';
    if (own) stage ??= 'operator (controller, kube, schedule, ... and what they call)';
    pkg ??= pkgOf(cur.callFrame.url);
  }
  if (stage) return stage;
  if (pkg === '@kubernetes/client-node' || pkg === 'node-fetch')
    return 'client-node + node-fetch (no own frame)';
  return pkg ? `node_modules/${pkg}` : 'Node internals (sockets, streams, timers; no own frame)';
}

const selfUs = new Map<number, number>();
let t = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0;
  if (t < from || t > to) continue;
  const id = profile.samples[i]!;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
}

const areas = new Map<string, number>();
const stages = new Map<string, number>();
for (const [id, us] of selfUs) stages.set(stageOf(id), (stages.get(stageOf(id)) ?? 0) + us);
const fns = new Map<string, number>();
for (const [id, us] of selfUs) {
  areas.set(areaOf(id), (areas.get(areaOf(id)) ?? 0) + us);
  const f = byId.get(id)!.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const busy = total - (areas.get('(idle)') ?? 0);
if (callersOf) {
  const stacks = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName !== callersOf) continue;
    const chain: string[] = [];
    for (let cur = n.parent ? byId.get(n.parent) : undefined; cur && chain.length < 4; ) {
      const f = cur.callFrame;
      chain.push(`${f.functionName || '(anon)'}@${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`);
      cur = cur.parent ? byId.get(cur.parent) : undefined;
    }
    const key = chain.join(' < ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  }
  console.log(`callers of ${callersOf}:`);
  for (const [k, us] of [...stacks].sort((x, y) => y[1] - x[1]).slice(0, 15))
    console.log(`  ${(us / 1000).toFixed(0)} ms  ${k}`);
  console.log('');
}
const pct = (us: number) => `${((us / busy) * 100).toFixed(1)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (not idle)\n`);
console.log('| stage (whole stack) | busy ms | share of busy |');
console.log('|---|---:|---:|');
for (const [a, us] of [...stages].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]))
  console.log(`| ${a} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`);
console.log('');
console.log('| area (nearest own frame) | busy ms | share of busy |');
console.log('|---|---:|---:|');
for (const [a, us] of [...areas].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]))
  console.log(`| ${a} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`);
console.log(`\n| function (self time) | ms | share of busy |`);
console.log('|---|---:|---:|');
for (const [f, us] of [...fns].sort((x, y) => y[1] - x[1]).slice(0, top))
  console.log(`| ${f.replaceAll('|', '\\|')} | ${(us / 1000).toFixed(0)} | ${pct(us)} |`);
