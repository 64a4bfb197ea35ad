import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { JobRunner } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
after(() => pool.close());

const MiB = 1024 * 1024;

test('a run printing 200 MB keeps memory flat and the tail right', { timeout: 120_000 }, async (t) => {
  const d = await testDocker();
  if ('skip' in d) return t.skip(d.skip);
  let lines = 0;
  let bytes = 0;
  let longest = 0;
  const runner = new JobRunner({
    pool,
    instance: 'test-runner-output',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
    tailBytes: 16 * 1024,
    maxLineChars: 4096,
    // A sink that counts and drops: the runner must not hold the output either.
    sink: {
      line(_run, _stream, line) {
        lines++;
        bytes += line.length + 1;
        if (line.length > longest) longest = line.length;
      },
    },
  });
  // 200 MB of 1000-character lines, a 10,000-character line (split by the sink bound), then a marker.
  const script =
    'yes "$(printf "%0999d" 0)" | head -c 200000000; printf "%010000d\\n" 7; echo "THE-END $((6*7))"';
  global.gc?.();
  const before = process.memoryUsage();
  const rec = await runner.run(
    {
      identity: {
        namespace: 'out',
        jobName: 'big',
        jobUid: randomUUID(),
        scheduledTime: Date.now(),
        attempt: 1,
      },
      trigger: 'Manual',
      spec: ScheduledDockerJobSpecSchema.parse({
        schedule: '@manual',
        run: { image: TEST_IMAGE, args: ['sh', '-c', script], network: 'none', pullPolicy: 'Never' },
      }),
    },
    new AbortController().signal,
  );
  global.gc?.();
  const afterRun = process.memoryUsage();
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.ok(rec.logTail?.endsWith('THE-END 42\n'), 'the tail ends with the last line');
  assert.ok(Buffer.byteLength(rec.logTail ?? '') <= 16 * 1024, 'the tail is bounded');
  assert.equal(
    bytes,
    200_000_000 + 10_001 + 'THE-END 42\n'.length + 2 /* the split adds one more line end */,
  );
  assert.equal(longest, 4096, 'long lines are split at the bound');
  assert.ok(lines > 200_000);
  const rssGrowth = afterRun.rss - before.rss;
  const heapGrowth = afterRun.heapUsed - before.heapUsed;
  t.diagnostic(
    `rss growth ${(rssGrowth / MiB).toFixed(1)} MiB, heap growth ${(heapGrowth / MiB).toFixed(1)} MiB`,
  );
  assert.ok(rssGrowth < 64 * MiB, `RSS grew by ${(rssGrowth / MiB).toFixed(1)} MiB`);
  assert.ok(heapGrowth < 64 * MiB, `heap grew by ${(heapGrowth / MiB).toFixed(1)} MiB`);
});
