/**
 * The embedded API server under load, against the cost of the disk it writes to.
 *
 *   node --expose-gc --import tsx bench/apiserver.bench.ts      (or: npm run bench -- apiserver)
 *
 * Scenarios (server and client in this one process, over HTTPS with keep-alive, 127.0.0.1):
 * - create N ScheduledDockerJobs with C requests in flight: acknowledged (fsync'd) writes per second;
 * - baselines measured in the same run on the same disk: the same JSON bytes appended with an fsync
 *   per object (sequential), and appended in batches of C with one fsync per batch (group commit);
 * - list all N as a Table and as JSON (median of 5, milliseconds, including the client's parse);
 * - heap per stored object (heap after a GC, minus before, over N);
 * - watch fan-out: W watchers, sequential patches; latency from the write's acknowledgement (and
 *   from its start) to each watcher receiving the event, p50/p99.
 * Bounded: N=10,000, C=32, W=10, 300 patches; takes well under two minutes.
 */
import { appendFileSync, closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadOrCreateServingCert,
  startApiServer,
  TokenStore,
  WalObjectStore,
} from '../src/apiserver/index.ts';
import { silentLogger } from '../src/log/logger.ts';

const N = Number(process.env.BENCH_N ?? 10_000);
const CONCURRENCY = 32;
const WATCHERS = 10;
const PATCHES = 300;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const root = mkdtempSync(join(tmpdir(), 'ofelia-apiserver-bench-'));

function jobBody(i: number): string {
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: `job-${String(i).padStart(5, '0')}`, labels: { team: `t${i % 10}`, app: 'bench' } },
    spec: {
      schedule: `${i % 60} * * * *`,
      timeZone: 'Europe/Berlin',
      run: {
        image: 'registry.example.com/team/tool:1.2.3',
        command: ['sh', '-c', `echo run ${i}`],
        env: [{ name: 'A', value: 'b' }],
      },
    },
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// ---- baselines: the disk ------------------------------------------------------------------------
function baselinePerObject(count: number): number {
  const file = join(root, 'baseline-each.log');
  const fd = openSync(file, 'a');
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    writeSync(fd, `${jobBody(i)}\n`);
    fsyncSync(fd);
  }
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  return count / s;
}

function baselineBatched(count: number, batch: number): number {
  const file = join(root, 'baseline-batch.log');
  const fd = openSync(file, 'a');
  const t0 = performance.now();
  for (let i = 0; i < count; i += batch) {
    let chunk = '';
    for (let j = i; j < Math.min(count, i + batch); j++) chunk += `${jobBody(j)}\n`;
    appendFileSync(fd, chunk);
    fsyncSync(fd);
  }
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  return count / s;
}

// ---- the server -----------------------------------------------------------------------------------
const tokens = await TokenStore.open({ dir: join(root, 'auth') });
const { token } = await tokens.create({ name: 'bench', ttlSeconds: 0 });
const tls = await loadOrCreateServingCert(join(root, 'tls'));
const store = new WalObjectStore({ dir: join(root, 'store') });
const server = await startApiServer({
  store,
  authenticator: tokens,
  listen: { port: 0 },
  tls,
  logger: silentLogger(),
});
// Clients trust the CA (caData), not the serving certificate, which is a leaf it signed.
const caPem = Buffer.from(tls.caData, 'base64').toString('utf8');
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: caPem });
const NS = '/apis/ofelia.dev/v1alpha1/namespaces/default/scheduleddockerjobs';

function call(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, server.url),
      {
        method,
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': headers['Content-Type'] ?? 'application/json',
          ...headers,
        },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

gc();
const heapBefore = process.memoryUsage().heapUsed;

let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < N; i = next++) {
      const r = await call('POST', NS, jobBody(i));
      if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  }),
);
const createSeconds = (performance.now() - t0) / 1000;
const createRate = N / createSeconds;

gc();
await new Promise((r) => setTimeout(r, 100));
gc();
const heapPerObject = (process.memoryUsage().heapUsed - heapBefore) / N;
// What the server stores for one of them (uid, timestamps, managedFields added): its JSON as a GET returns it.
const storedJsonBytes = Buffer.byteLength((await call('GET', `${NS}/job-00000`)).text);

// ---- lists ---------------------------------------------------------------------------------------------
async function timeList(accept: string): Promise<{ ms: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let k = 0; k < 5; k++) {
    const s = performance.now();
    const r = await call('GET', NS, undefined, { Accept: accept });
    const parsed = JSON.parse(r.text) as { items?: unknown[]; rows?: unknown[] };
    if ((parsed.items ?? parsed.rows)!.length !== N) throw new Error('list is short');
    times.push(performance.now() - s);
    bytes = r.text.length;
  }
  return { ms: median(times), bytes };
}
const listJson = await timeList('application/json');
const listTable = await timeList('application/json;as=Table;v=v1;g=meta.k8s.io,application/json');

// ---- watch fan-out ----------------------------------------------------------------------------------
const listRv = (
  JSON.parse((await call('GET', `${NS}?limit=1`)).text) as { metadata: { resourceVersion: string } }
).metadata.resourceVersion;
const received: Map<string, number>[] = Array.from({ length: WATCHERS }, () => new Map());
const watchReqs = await Promise.all(
  received.map(
    (seen) =>
      new Promise<{ destroy(): void }>((resolve, reject) => {
        const req = request(
          new URL(`${NS}?watch=true&resourceVersion=${listRv}`, server.url),
          { headers: { Authorization: `Bearer ${token}` }, ca: caPem },
          (res) => {
            let partial = '';
            res.setEncoding('utf8').on('data', (d: string) => {
              const at = performance.now();
              partial += d;
              const lines = partial.split('\n');
              partial = lines.pop() ?? '';
              for (const l of lines) {
                const e = JSON.parse(l) as { object: { metadata: { resourceVersion: string } } };
                seen.set(e.object.metadata.resourceVersion, at);
              }
            });
            resolve(req);
          },
        );
        req.on('error', (e) => (e.message.includes('hang up') ? undefined : reject(e)));
        req.end();
      }),
  ),
);
const ackLatency: number[] = [];
const startLatency: number[] = [];
for (let i = 0; i < PATCHES; i++) {
  const name = `job-${String(i).padStart(5, '0')}`;
  const started = performance.now();
  const r = await call('PATCH', `${NS}/${name}`, JSON.stringify({ spec: { suspend: true } }), {
    'Content-Type': 'application/merge-patch+json',
  });
  const acked = performance.now();
  const rv = (JSON.parse(r.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  // Wait until every watcher has it (bounded).
  for (let spin = 0; spin < 2000 && received.some((m) => !m.has(rv)); spin++)
    await new Promise((res) => setImmediate(res));
  for (const m of received) {
    const at = m.get(rv);
    if (at === undefined)
      throw new Error(`watcher missed ${rv}: has ${[...m.keys()].slice(-3)} of ${m.size}`);
    ackLatency.push(at - acked);
    startLatency.push(at - started);
  }
}
for (const w of watchReqs) w.destroy();
ackLatency.sort((a, b) => a - b);
startLatency.sort((a, b) => a - b);

// ---- baselines last (they do not disturb the server's figures) --------------------------------
const baselineEach = baselinePerObject(2000);
const baselineBatch = baselineBatched(N, CONCURRENCY);

await server.close();
tokens.close();
agent.destroy();
rmSync(root, { recursive: true, force: true });

const f = (x: number, d = 0) => x.toFixed(d);
console.log(
  `N=${N} objects, ${CONCURRENCY} requests in flight, ${WATCHERS} watchers, ${PATCHES} patches; Node ${process.version}\n`,
);
console.log('| scenario | result | vs baseline |');
console.log('|---|---|---|');
console.log(`| baseline: append + fsync per object (2,000) | ${f(baselineEach)} writes/s | 1.00x |`);
console.log(
  `| baseline: append + one fsync per ${CONCURRENCY} objects | ${f(baselineBatch)} writes/s | ${f(baselineBatch / baselineEach, 2)}x |`,
);
console.log(
  `| create over HTTPS, acknowledged durable | ${f(createRate)} writes/s (${f(createSeconds, 1)} s) | ${f(createRate / baselineEach, 2)}x per-object fsync, ${f(createRate / baselineBatch, 3)}x batched |`,
);
console.log(`| list ${N} as JSON | ${f(listJson.ms)} ms (${f(listJson.bytes / 1048576, 1)} MiB) | |`);
console.log(
  `| list ${N} as Table | ${f(listTable.ms)} ms (${f(listTable.bytes / 1048576, 1)} MiB) | ${f(listTable.ms / listJson.ms, 2)}x JSON |`,
);
console.log(
  `| heap per stored object (store, watch history, everything the server keeps) | ${f(heapPerObject)} bytes | ${f(heapPerObject / storedJsonBytes, 1)}x its stored JSON (${storedJsonBytes} B), ${f(heapPerObject / jobBody(0).length, 1)}x its request JSON (${jobBody(0).length} B) |`,
);
console.log(
  `| watch fan-out, ack -> event p50 / p99 | ${f(pct(ackLatency, 50), 2)} / ${f(pct(ackLatency, 99), 2)} ms | |`,
);
console.log(
  `| watch fan-out, write start -> event p50 / p99 | ${f(pct(startLatency, 50), 2)} / ${f(pct(startLatency, 99), 2)} ms | |`,
);
