import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
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
  await testDocker();
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

/** Blocks the whole event loop (no socket is read) for `ms`. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy on purpose: nothing else may run
  }
}

test('a reader stalled while the container prints and exits still gets every line and the real end', {
  timeout: 120_000,
}, async () => {
  await testDocker();
  let stdoutLines = 0;
  let lastStdout = '';
  let outOfOrder = 0;
  const stderr: string[] = [];
  const messages: string[] = [];
  const runner = new JobRunner({
    pool,
    instance: 'test-runner-output',
    log: pino({ level: 'info' }, { write: (s: string) => messages.push(JSON.parse(s).msg) }),
    secrets: new StaticSecretSource(),
    sink: {
      line(_run, stream, line) {
        if (stream === 'stderr') {
          stderr.push(line);
          return;
        }
        stdoutLines++;
        if (Number(line) !== stdoutLines) outOfOrder++;
        lastStdout = line;
      },
    },
  });
  // ~2 MB on stdout after two stderr lines. The first line stalls this process for 3 s, long past
  // the time seq needs for all of it (well under a second): the container has printed everything
  // it can and waits, or has exited, while nothing is read. (stderr goes first: the daemon copies
  // the two streams from separate pipes, so a stderr line written while stdout is backed up can
  // reach the reader after later stdout bytes, as with `docker run`.)
  const script = 'echo err-first >&2; echo err-second >&2; seq 1 300000';
  let stalled = false;
  const rec = await runner.run(
    {
      identity: {
        namespace: 'out',
        jobName: 'stalled',
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
    {
      onOutputLine() {
        if (stalled) return;
        stalled = true;
        stall(3_000);
      },
    },
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.ok(stalled, 'the reader was stalled');
  assert.ok(
    rec.logTail?.endsWith('299999\n300000\n'),
    `the tail ends with the last numbers: ${rec.logTail?.slice(-30)}`,
  );
  assert.equal(stdoutLines, 300_000, 'every stdout line reached the sink');
  assert.equal(outOfOrder, 0, 'stdout lines arrived in order');
  assert.equal(lastStdout, '300000');
  assert.deepEqual(stderr, ['err-first', 'err-second'], 'stderr kept apart');
  // The attach stream carried it all and ended by itself: no fallback, no repair.
  assert.ok(!messages.includes('container attach failed, following logs'), messages.join(', '));
  assert.ok(!messages.includes('run output tail repaired from the stored logs'), messages.join(', '));
});

for (const hijack of [false, true]) {
  test(`dockerode attach on EngineModem (${hijack ? "upgraded, docker-modem's own path" : 'plain, the transport'}): attached before start it carries the first byte and ends when the container exits`, {
    timeout: 60_000,
  }, async () => {
    await testDocker();
    const docker = pool.get().docker;
    const c = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['sh', '-c', 'echo first; echo err >&2; seq 1 20000 | tail -n 1'],
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      const stream = (await c.attach({
        stream: true,
        stdout: true,
        stderr: true,
        hijack,
      })) as unknown as Readable;
      const chunks: Buffer[] = [];
      const ended = new Promise<string>((resolve) => {
        stream.on('data', (b: Buffer) => chunks.push(b));
        stream.once('end', () => resolve('end'));
        stream.once('error', (e) => resolve(`error: ${e.message}`));
      });
      await c.start();
      // Resolves only when the daemon closes the stream: the test's timeout bounds a stream left open.
      assert.equal(await ended, 'end');
      const text = { stdout: '', stderr: '' };
      const all = Buffer.concat(chunks);
      for (let at = 0; at < all.length; ) {
        const size = all.readUInt32BE(at + 4);
        text[all[at] === 2 ? 'stderr' : 'stdout'] += all.subarray(at + 8, at + 8 + size).toString();
        at += 8 + size;
      }
      assert.deepEqual(text, { stdout: 'first\n20000\n', stderr: 'err\n' });
      assert.equal(((await c.wait()) as { StatusCode: number }).StatusCode, 0);
    } finally {
      await c.remove({ force: true });
    }
  });
}
