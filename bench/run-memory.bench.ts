/**
 * Memory per run under heavy output: 100 runs, each printing 20 MB, 4 at a time, through the
 * JobRunner with a counting sink. Heap and RSS are measured (after GC) after 8 warm-up runs and
 * after the 100; growth per run is reported. Target: < 64 KiB per run. The baseline is the same
 * process before the measured runs.
 *   node --expose-gc --import tsx bench/run-memory.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { ScheduledDockerJobSpecSchema } from '../src/api/schema.ts';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { JobRunner } from '../src/runner/job-runner.ts';
import { StaticSecretSource } from '../src/runner/secret-source.ts';

const IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';
const RUNS = Number(process.env.RUNS ?? 100);
const PARALLEL = 4;
const BYTES = 20_000_000;
let lineBytes = 0;
const failures: string[] = [];
const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
const runner = new JobRunner({
  pool,
  instance: 'bench',
  log: silentLogger(),
  secrets: new StaticSecretSource(),
  sink: {
    line(_r, _s, line) {
      lineBytes += line.length + 1;
    },
  },
});
const spec = ScheduledDockerJobSpecSchema.parse({
  schedule: '@manual',
  run: {
    image: IMAGE,
    args: ['sh', '-c', `yes "$(printf "%0199d" 0)" | head -c ${BYTES}`],
    network: 'none',
    pullPolicy: 'IfNotPresent',
  },
});
const uid = randomUUID();
let seq = 0;
async function one(): Promise<void> {
  const rec = await runner.run(
    {
      identity: {
        namespace: 'bench',
        jobName: 'memory',
        jobUid: uid,
        scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
        attempt: 1,
      },
      trigger: 'Manual',
      spec,
    },
    new AbortController().signal,
  );
  // Counted, not fatal: on a shared daemon another process may kill a container; memory is still measured.
  if (rec.result !== 'Succeeded') failures.push(`${rec.result}: ${rec.message}`);
}
async function runMany(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < n) {
        next++;
        await one();
      }
    }),
  );
}
const gc = () => {
  for (let i = 0; i < 3; i++) global.gc?.();
};
const KiB = 1024;
await runMany(8);
gc();
const before = process.memoryUsage();
const t0 = performance.now();
await runMany(RUNS);
const seconds = (performance.now() - t0) / 1000;
gc();
const after = process.memoryUsage();
const per = (a: number, b: number) => ((b - a) / RUNS / KiB).toFixed(2);
console.log(
  `${RUNS} runs x ${BYTES / 1e6} MB of output, ${PARALLEL} at a time, ${seconds.toFixed(1)} s, ${(lineBytes / 1e9).toFixed(2)} GB through the sink\n`,
);
console.log('| measure | before (MiB) | after (MiB) | growth per run (KiB) |');
console.log('|---|---:|---:|---:|');
console.log(
  `| heap used | ${(before.heapUsed / KiB / KiB).toFixed(1)} | ${(after.heapUsed / KiB / KiB).toFixed(1)} | ${per(before.heapUsed, after.heapUsed)} |`,
);
console.log(
  `| RSS | ${(before.rss / KiB / KiB).toFixed(1)} | ${(after.rss / KiB / KiB).toFixed(1)} | ${per(before.rss, after.rss)} |`,
);
console.log(
  `| external + array buffers | ${((before.external + before.arrayBuffers) / KiB / KiB).toFixed(1)} | ${((after.external + after.arrayBuffers) / KiB / KiB).toFixed(1)} | ${per(before.external + before.arrayBuffers, after.external + after.arrayBuffers)} |`,
);
console.log('\ntarget: < 64 KiB per run');
if (failures.length)
  console.log(`runs not Succeeded: ${failures.length} (${[...new Set(failures)].join('; ')})`);
pool.close();
