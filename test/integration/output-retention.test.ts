/**
 * Output retention under a job that prints 200 MB: the real runner (real container, attach
 * stream) writes into the real output store, through the executor wrapper the operator uses.
 * The store's disk use stays within --output-max-total (measured on disk, not from its books),
 * the run keeps its newest output (the last line is there), a follower reading while the run
 * streams gets to the end, the drops are counted, and the process memory stays flat.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { OutputMetrics } from '../../src/metrics/output-metrics.ts';
import { OutputRecordingExecutor, OutputStore } from '../../src/output/index.ts';
import { JobRunner } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const MiB = 1024 * 1024;
const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
let dir: string | undefined;
after(async () => {
  pool.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function diskBytes(root: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

test('a job printing 200 MB: disk within the cap, newest output kept, memory flat', {
  timeout: 240_000,
}, async (t) => {
  await testDocker();
  dir = await mkdtemp(join(tmpdir(), 'output-retention-'));
  const maxRunBytes = 16 * MiB;
  const maxTotalBytes = 24 * MiB;
  const metrics = new OutputMetrics(new Registry());
  const store = OutputStore.open({ dir, maxRunBytes, maxTotalBytes, log: silentLogger(), metrics });
  // An earlier run of another job, finished: the first thing the total cap may drop.
  const older = {
    namespace: 'out',
    jobName: 'older',
    jobUid: 'u-older',
    scheduledTime: 1_000_000,
    attempt: 1,
  };
  store.begin(older);
  for (let i = 0; i < 12_000; i++) {
    assert.equal(store.line(older, 'stdout', `older ${i} ${'z'.repeat(1000)}`), true);
    if (i % 1000 === 999) await store.flush(older);
  }
  await store.end(older, { result: 'Succeeded', finishTime: new Date().toISOString() });

  const runner = new JobRunner({
    pool,
    instance: 'test-output-retention',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
    sink: store,
  });
  const executor = new OutputRecordingExecutor(runner, store);
  const identity = {
    namespace: 'out',
    jobName: 'big',
    jobUid: randomUUID(),
    scheduledTime: Date.now(),
    attempt: 1,
  };
  const script = 'yes "$(printf "%0999d" 0)" | head -c 200000000; echo "THE-END $((6*7))"';

  // Memory: sampled while the run streams (peak), and after it.
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 100);
  let maxDisk = 0;
  const diskSampler = setInterval(() => {
    maxDisk = Math.max(maxDisk, store.diskBytes);
  }, 50);

  const running = executor.run(
    {
      identity,
      trigger: 'Manual',
      spec: ScheduledDockerJobSpecSchema.parse({
        schedule: '@manual',
        run: { image: TEST_IMAGE, args: ['sh', '-c', script], network: 'none', pullPolicy: 'Never' },
      }),
    },
    new AbortController().signal,
  );
  // A follower from the start: it must reach the end even though segments go under it.
  const follower = (async () => {
    let gen = store.read('out', 'big', `big-${Math.floor(identity.scheduledTime / 1000)}`, { follow: true });
    while (!gen) {
      await new Promise((r) => setImmediate(r));
      gen = store.read('out', 'big', `big-${Math.floor(identity.scheduledTime / 1000)}`, { follow: true });
    }
    let bytes = 0;
    let tail = '';
    for await (const chunk of gen) {
      bytes += chunk.length;
      tail = (tail + chunk.toString('latin1')).slice(-200);
    }
    return { bytes, tail };
  })();
  const record = await running;
  const followed = await follower;
  clearInterval(sampler);
  clearInterval(diskSampler);
  await store.settled();
  global.gc?.();
  const afterRun = process.memoryUsage();

  assert.equal(record.result, 'Succeeded', record.message);
  const onDisk = await diskBytes(dir);
  t.diagnostic(
    `disk ${(onDisk / MiB).toFixed(1)} MiB (cap ${maxTotalBytes / MiB}), store max ${(maxDisk / MiB).toFixed(1)} MiB, ` +
      `follower read ${(followed.bytes / MiB).toFixed(1)} MiB, peak rss +${((peakRss - before.rss) / MiB).toFixed(1)} MiB, ` +
      `peak heap +${((peakHeap - before.heapUsed) / MiB).toFixed(1)} MiB`,
  );
  assert.ok(onDisk <= maxTotalBytes, `on disk ${onDisk} <= ${maxTotalBytes}`);
  assert.ok(
    maxDisk <= maxTotalBytes + 2 * MiB,
    `store never held more than the cap plus a line batch (${maxDisk})`,
  );
  const big = store.runs('out', 'big')[0]!;
  assert.ok(big.bytes <= maxRunBytes, `the run keeps at most its cap (${big.bytes})`);
  assert.equal(big.end?.result, 'Succeeded');
  const kept = await (async () => {
    let text = '';
    for await (const c of store.read('out', 'big', big.run)!)
      text = (text + c.toString('latin1')).slice(-200);
    return text;
  })();
  assert.match(kept, / O THE-END 42\n$/, 'the newest output is kept');
  assert.match(followed.tail, / O THE-END 42\n$/, 'the follower reached the end');
  assert.deepEqual(store.runs('out', 'older'), [], 'the older run went first to make room');
  const dropped = await metrics.droppedBytes.get();
  const byReason = Object.fromEntries(dropped.values.map((v) => [v.labels.reason, v.value]));
  assert.ok((byReason.run_cap ?? 0) > 150 * MiB, `run_cap drops counted: ${byReason.run_cap}`);
  assert.ok((byReason.total_cap ?? 0) > 0, 'total_cap drop of the older run counted');
  assert.ok(peakHeap - before.heapUsed < 96 * MiB, `heap peak +${(peakHeap - before.heapUsed) / MiB} MiB`);
  assert.ok(afterRun.heapUsed - before.heapUsed < 32 * MiB, 'heap back to flat after the run');
  assert.ok(peakRss - before.rss < 160 * MiB, `rss peak +${(peakRss - before.rss) / MiB} MiB`);
  await store.close();
});
