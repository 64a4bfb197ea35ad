/**
 * The WAL store's acknowledged durable writes per second, recovery time and bytes on disk, against
 * baselines measured in the same run on the same disk:
 *   - "append+fsync per record": a bare FileHandle write + fdatasync per record (what a naive
 *     durable log does, and the floor for one writer);
 *   - "append+fsync per 32": the same records written 32 at a time with one fdatasync (ideal group
 *     commit with no store around it);
 *   - "JSON.parse of the records": reading and parsing the same bytes as newline-delimited JSON.
 * Records are realistic ScheduledDockerJob objects (~1.5 KB of JSON).
 *
 *   node --expose-gc --import tsx bench/store.bench.ts      (or: npm run bench -- store)
 */
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalObjectStore } from '../src/apiserver/index.ts';

const N = Number(process.env.STORE_BENCH_N ?? 10_000);
const root = await fs.mkdtemp(join(tmpdir(), 'store-bench-'));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

function sdj(i: number, rv: number): Record<string, unknown> {
  const name = `nightly-backup-${i}`;
  return {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name,
      namespace: `team-${i % 20}`,
      uid: `6f1c2a4e-${String(i).padStart(4, '0')}-4b7d-9c3e-2a5f8e1d0b${String(i % 100).padStart(2, '0')}`,
      resourceVersion: String(rv),
      generation: 3,
      creationTimestamp: '2026-11-20T08:15:00Z',
      labels: { 'app.kubernetes.io/name': 'backup', 'app.kubernetes.io/part-of': 'storage', tier: 'ops' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': `{"apiVersion":"ofelia.dev/v1alpha1","kind":"ScheduledDockerJob","metadata":{"name":"${name}"},"spec":{"schedule":"15 2 * * *"}}`,
      },
    },
    spec: {
      schedule: '15 2 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      activeDeadlineSeconds: 3600,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      container: {
        image: 'registry.internal/tools/pg-backup:16.4',
        command: ['/bin/sh', '-c', 'pg_dump --format=custom "$DATABASE_URL" > /backup/db-$(date +%F).dump'],
        env: [
          { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'pg', key: 'url' } } },
          { name: 'RETENTION_DAYS', value: '14' },
        ],
        resources: { memory: '256Mi', cpus: '0.5' },
        volumes: ['/srv/backup:/backup'],
      },
    },
    status: {
      lastScheduleTime: '2026-11-26T01:15:00Z',
      lastSuccessfulTime: '2026-11-26T01:17:42Z',
      nextScheduleTime: '2026-11-27T01:15:00Z',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Scheduled', lastTransitionTime: '2026-11-20T08:15:01Z' },
      ],
      recentRuns: [
        { name: `${name}-29411835`, scheduledTime: '2026-11-26T01:15:00Z', phase: 'Succeeded', exitCode: 0 },
      ],
    },
  };
}

const keyOf = (i: number) => `ofelia.dev/scheduleddockerjobs/team-${i % 20}/nightly-backup-${i}`;
const record = (i: number) =>
  Buffer.from(`${JSON.stringify({ key: keyOf(i), rv: i + 1, value: sdj(i, i + 1) })}\n`);

async function timed(fn: () => Promise<void>): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function baselineAppend(groupSize: number): Promise<number> {
  const handle = await fs.open(join(freshDir().concat('.log')), 'a', 0o600);
  const seconds = await timed(async () => {
    for (let i = 0; i < N; i += groupSize) {
      const group: Buffer[] = [];
      for (let j = i; j < Math.min(N, i + groupSize); j++) group.push(record(j));
      await handle.writev(group);
      await handle.datasync();
    }
  });
  await handle.close();
  return N / seconds;
}

async function storePuts(
  concurrency: number,
  dir: string,
  snapshotEvery: number,
): Promise<{ rate: number; fsyncs: number }> {
  const store = new WalObjectStore({ dir, snapshotEvery });
  await store.open();
  let next = 0;
  const seconds = await timed(async () => {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < N) {
          const i = next++;
          await store.put(keyOf(i), (rv) => sdj(i, rv));
        }
      }),
    );
  });
  const { fsyncs } = store.stats();
  await store.close();
  return { rate: N / seconds, fsyncs };
}

async function reopenSeconds(dir: string): Promise<{ seconds: number; restored: number }> {
  let restored = 0;
  const seconds = await timed(async () => {
    const store = new WalObjectStore({ dir });
    restored = (await store.open()).restored;
    await store.close();
  });
  return { seconds, restored };
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const f of await fs.readdir(dir)) if (f !== 'LOCK') total += (await fs.stat(join(dir, f))).size;
  return total;
}

/** Heap + external bytes per object that `build` keeps alive (measured after full GCs). */
async function memoryPerObject(build: () => Promise<unknown>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc (npm run bench does)');
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const before = used();
  const kept = await build();
  const after = used();
  keepAlive.push(kept);
  return (after - before) / N;
}
const keepAlive: unknown[] = [];

const rows: string[][] = [];
const row = (...cells: (string | number)[]) => rows.push(cells.map(String));
const f0 = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

try {
  const rawBytes = record(0).length;
  // Writes.
  const perRecord = await baselineAppend(1);
  const per32 = await baselineAppend(32);
  const walOnlyDir = freshDir();
  const c1 = await storePuts(1, freshDir(), 10_000);
  const c32 = await storePuts(32, walOnlyDir, N + 1); // no snapshot: the reopen below replays the log
  row('append+fsync per record (baseline)', 1, f0(perRecord), N, '1.00x');
  row('WalObjectStore.put', 1, f0(c1.rate), c1.fsyncs, ratio(c1.rate, perRecord));
  row('append+fsync per 32 (baseline)', 32, f0(per32), Math.ceil(N / 32), ratio(per32, perRecord));
  row('WalObjectStore.put (group commit)', 32, f0(c32.rate), c32.fsyncs, ratio(c32.rate, perRecord));
  console.log(
    `### Durable writes: ${N.toLocaleString('en-US')} puts of ~${rawBytes} B ScheduledDockerJob JSON\n`,
  );
  console.log('| scenario | concurrency | acked writes/s | fsyncs | vs per-record baseline |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`\nWalObjectStore at 32 vs the ideal batched baseline: ${ratio(c32.rate, per32)}`);

  // Recovery.
  const snapDir = freshDir();
  await storePuts(32, snapDir, 2_000); // snapshots every 2,000 records: reopen reads a snapshot
  const fromLog = await reopenSeconds(walOnlyDir);
  const fromSnapshot = await reopenSeconds(snapDir);
  const ndjson = join(root, 'records.ndjson');
  await fs.writeFile(ndjson, Buffer.concat(Array.from({ length: N }, (_, i) => record(i))));
  const parseSeconds = await timed(async () => {
    const text = await fs.readFile(ndjson, 'utf8');
    const m = new Map<string, unknown>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as { key: string };
      m.set(r.key, r);
    }
  });
  console.log(`\n### Reopen (recovery) with ${N.toLocaleString('en-US')} objects\n`);
  console.log('| scenario | objects restored | ms | vs JSON.parse baseline |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| JSON.parse of the records (baseline) | ${N} | ${(parseSeconds * 1000).toFixed(0)} | 1.00x |`,
  );
  console.log(
    `| replay of the log (no snapshot) | ${fromLog.restored} | ${(fromLog.seconds * 1000).toFixed(0)} | ${ratio(fromLog.seconds, parseSeconds)} |`,
  );
  console.log(
    `| snapshot (+ empty log tail) | ${fromSnapshot.restored} | ${(fromSnapshot.seconds * 1000).toFixed(0)} | ${ratio(fromSnapshot.seconds, parseSeconds)} |`,
  );

  // Space.
  const logBytes = await dirBytes(walOnlyDir);
  const snapBytes = await dirBytes(snapDir);
  console.log('\n### Bytes on disk per object\n');
  console.log('| layout | bytes/object | vs raw JSON |');
  console.log('|---|---:|---:|');
  console.log(`| raw JSON record (baseline) | ${rawBytes} | 1.00x |`);
  console.log(`| log only, one put per object | ${f0(logBytes / N)} | ${ratio(logBytes / N, rawBytes)} |`);
  console.log(
    `| after snapshots (2 snapshots + kept log) | ${f0(snapBytes / N)} | ${ratio(snapBytes / N, rawBytes)} |`,
  );

  // Memory: what the store keeps per object (V8 heap plus memory outside it, after a full GC),
  // against the object's JSON; the baseline is the JSON text itself held in a Map.
  const jsonBytes = Buffer.byteLength(JSON.stringify(sdj(0, 1)));
  const heapDir = freshDir();
  const texts = await memoryPerObject(async () => {
    const m = new Map<string, string>();
    for (let i = 0; i < N; i++) m.set(keyOf(i), JSON.stringify(sdj(i, i + 1)));
    return m;
  });
  const stored = await memoryPerObject(async () => {
    const store = new WalObjectStore({ dir: heapDir, snapshotEvery: N + 1 });
    await store.open();
    for (let i = 0; i < N; i += 64)
      await Promise.all(
        Array.from({ length: Math.min(64, N - i) }, (_, j) =>
          store.put(keyOf(i + j), (rv) => sdj(i + j, rv)),
        ),
      );
    return store;
  });
  // The same log, read back by a second store (objects restored from disk).
  const copy = freshDir();
  await fs.cp(heapDir, copy, { recursive: true });
  await fs.rm(join(copy, 'LOCK'), { force: true });
  const reopened = await memoryPerObject(async () => {
    const again = new WalObjectStore({ dir: copy });
    await again.open();
    return again;
  });
  console.log(
    `\n### Memory per stored object (${N.toLocaleString('en-US')} objects of ${jsonBytes} B JSON)\n`,
  );
  console.log('| what | bytes/object (heap + external) | vs its JSON |');
  console.log('|---|---:|---:|');
  console.log(`| the JSON text in a Map (baseline) | ${f0(texts)} | ${ratio(texts, jsonBytes)} |`);
  console.log(`| WalObjectStore after N puts | ${f0(stored)} | ${ratio(stored, jsonBytes)} |`);
  console.log(`| WalObjectStore reopened from the log | ${f0(reopened)} | ${ratio(reopened, jsonBytes)} |`);
} finally {
  await fs.rm(root, { recursive: true, force: true });
}
