/**
 * The output store on a real temporary directory: what is written comes back in the stored form,
 * a follower sees a running run's lines and ends with it, the per-run, total and history bounds
 * delete the oldest output first (on disk, not only in the books), a restarted store finds earlier
 * runs, and a disk slower than the output drops lines instead of queueing them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import type { RunIdentity } from '../../src/api/run-identity.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { OutputMetrics } from '../../src/metrics/output-metrics.ts';
import { decodeLine, OutputStore, type OutputStoreOptions } from '../../src/output/index.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'output-store-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
async function freshStore(opts: Partial<OutputStoreOptions> = {}) {
  const dir = join(root, `s${++n}`);
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const metrics = new OutputMetrics(new Registry());
  const store = OutputStore.open({ dir, log: silentLogger(), clock, metrics, ...opts });
  return { dir, clock, metrics, store };
}

function run(job: string, second: number): RunIdentity {
  return {
    namespace: 'default',
    jobName: job,
    jobUid: `uid-${job}`,
    scheduledTime: second * 1000,
    attempt: 1,
  };
}

async function readAll(gen: AsyncGenerator<Buffer> | undefined): Promise<string> {
  assert.ok(gen, 'the store has the run');
  const parts: Buffer[] = [];
  for await (const c of gen) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

async function duBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

const ended = { result: 'Succeeded' as const, exitCode: 0, finishTime: '2026-01-01T12:00:05.000Z' };

test('lines come back with time and stream, and the run end is recorded', async () => {
  const { store, dir } = await freshStore();
  const id = run('hello', 1000);
  store.begin(id);
  assert.equal(store.line(id, 'stdout', 'first'), true);
  store.line(id, 'stderr', 'second: with spaces');
  await store.end(id, ended);
  const text = await readAll(store.read('default', 'hello', 'hello-1000'));
  const lines = text.trimEnd().split('\n').map(decodeLine);
  assert.deepEqual(lines, [
    { time: '2026-01-01T12:00:00.000Z', stream: 'stdout', text: 'first' },
    { time: '2026-01-01T12:00:00.000Z', stream: 'stderr', text: 'second: with spaces' },
  ]);
  assert.deepEqual(store.runs('default', 'hello')[0]?.end, ended);
  assert.ok((await readdir(join(dir, 'default', 'hello', 'hello-1000'))).includes('end.json'));
  await store.close();
});

test('a follower gets the lines of a running run as they come and ends with the run', async () => {
  const { store } = await freshStore();
  const id = run('live', 2000);
  store.begin(id);
  store.line(id, 'stdout', 'one');
  const follower = store.read('default', 'live', 'live-2000', { follow: true })!;
  const seen: string[] = [];
  const done = (async () => {
    for await (const c of follower) {
      seen.push(c.toString());
      if (seen.join('').includes(' two\n')) {
        store.line(id, 'stdout', 'three');
        await store.end(id, ended);
      }
    }
  })();
  await new Promise<void>((resolve) => setImmediate(resolve));
  store.line(id, 'stdout', 'two');
  await done;
  const texts = seen
    .join('')
    .trimEnd()
    .split('\n')
    .map((l) => decodeLine(l)?.text);
  assert.deepEqual(texts, ['one', 'two', 'three']);
  await store.close();
});

test('a run over its cap keeps its newest output, on disk within the cap', async () => {
  const maxRunBytes = 64 * 1024;
  const { store, dir, metrics } = await freshStore({ maxRunBytes, maxTotalBytes: 10 * maxRunBytes });
  const id = run('big', 3000);
  store.begin(id);
  for (let i = 0; i < 20_000; i++) {
    store.line(id, 'stdout', `line ${i} ${'x'.repeat(40)}`);
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  await store.end(id, ended);
  await store.settled();
  const disk = await duBytes(dir);
  assert.ok(disk <= maxRunBytes + 4096, `disk ${disk} <= cap ${maxRunBytes} (+ end.json)`);
  const text = await readAll(store.read('default', 'big', 'big-3000'));
  assert.match(text, /line 19999 x+\n$/, 'the last line is kept');
  assert.doesNotMatch(text, / O line 0 x/, 'the first line is gone');
  const dropped = (await metrics.droppedBytes.get()).values.find((v) => v.labels.reason === 'run_cap');
  assert.ok((dropped?.value ?? 0) > 0, 'drops counted');
  await store.close();
});

test('over the total cap the oldest finished runs go first; history limits prune per job', async () => {
  const maxRunBytes = 16 * 1024;
  const { store, dir } = await freshStore({ maxRunBytes, maxTotalBytes: 3 * maxRunBytes });
  for (let r = 0; r < 5; r++) {
    const id = run('many', 4000 + r);
    store.begin(id);
    for (let i = 0; i < 300; i++) store.line(id, 'stdout', `${r}:${i} ${'y'.repeat(30)}`);
    await store.end(id, { ...ended, result: r % 2 ? 'Failed' : 'Succeeded' });
  }
  const names = store.runs('default', 'many').map((s) => s.run);
  assert.equal(names[0], 'many-4004', 'newest kept');
  assert.ok(!names.includes('many-4000'), 'oldest dropped');
  assert.ok(store.diskBytes <= 3 * maxRunBytes);

  const id = run('many', 5000);
  store.begin(id);
  store.line(id, 'stdout', 'last');
  await store.end(id, ended, { succeeded: 1, failed: 0 });
  assert.deepEqual(
    store.runs('default', 'many').map((s) => s.run),
    ['many-5000'],
  );
  await store.settled();
  assert.deepEqual(await readdir(join(dir, 'default', 'many')), ['many-5000']);
  await store.close();
});

test('a new store finds the runs an earlier one left; an unfinished one is Interrupted', async () => {
  const { store, dir } = await freshStore();
  const a = run('keep', 6000);
  store.begin(a);
  store.line(a, 'stdout', 'done run');
  await store.end(a, ended);
  const b = run('keep', 6001);
  store.begin(b);
  store.line(b, 'stdout', 'cut short');
  await store.close();
  const again = OutputStore.open({ dir, log: silentLogger() });
  const runs = again.runs('default', 'keep');
  assert.deepEqual(
    runs.map((r) => [r.run, r.end?.result]),
    [
      ['keep-6001', 'Interrupted'],
      ['keep-6000', 'Succeeded'],
    ],
  );
  assert.match(await readAll(again.read('default', 'keep', 'keep-6001')), / O cut short\n$/);
  assert.equal(again.read('default', 'keep', '../../etc'), undefined, 'names are checked');
  await again.close();
});

test('past the queue bound lines are dropped, not queued', async () => {
  const { store, metrics } = await freshStore({ maxQueuedBytes: 8 * 1024 });
  const id = run('flood', 7000);
  store.begin(id);
  let kept = 0;
  for (let i = 0; i < 2000; i++) if (store.line(id, 'stdout', `flood ${i}`)) kept++;
  assert.ok(kept < 2000 && kept > 0, `kept ${kept} of 2000 written in one turn`);
  const dropped = (await metrics.droppedBytes.get()).values.find((v) => v.labels.reason === 'backlog');
  assert.ok((dropped?.value ?? 0) > 0);
  await store.end(id, ended);
  await store.close();
});
