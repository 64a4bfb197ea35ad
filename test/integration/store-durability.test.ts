/**
 * Crash durability: a child process writes a burst of puts and prints each acknowledged one; we
 * SIGKILL it mid-burst, reopen the directory, and check that every acknowledged write is there with
 * its resourceVersion and that the counter continues above the highest acknowledged version.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { WalObjectStore } from '../../src/apiserver/index.ts';

const root = mkdtempSync(join(tmpdir(), 'store-durability-'));
after(() => rmSync(root, { recursive: true, force: true }));
const writerScript = new URL('../helpers/store-writer.ts', import.meta.url).pathname;

/** Run the writer until it has printed `killAfter` acks, SIGKILL it, return the acks it printed. */
async function crashWriter(
  dir: string,
  killAfter: number,
  concurrency: number,
): Promise<Map<string, number>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writerScript, dir, '1000000', String(concurrency), '150'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const acked = new Map<string, number>();
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
  for await (const line of createInterface({ input: child.stdout! })) {
    const [word, key, rv] = line.split(' ');
    if (word === 'acked') acked.set(key!, Number(rv));
    if (acked.size === killAfter) child.kill('SIGKILL');
  }
  clearTimeout(watchdog);
  assert.equal(await exited, 'SIGKILL', 'the writer was killed mid-burst');
  return acked;
}

for (const { name, concurrency, killAfter } of [
  { name: 'one writer', concurrency: 1, killAfter: 400 },
  { name: '32 concurrent writers (group commit)', concurrency: 32, killAfter: 1500 },
]) {
  test(`store durability under SIGKILL: ${name}`, { timeout: 120_000 }, async () => {
    const dir = join(root, `c${concurrency}`);
    const acked = await crashWriter(dir, killAfter, concurrency);
    assert.ok(acked.size >= killAfter);

    const store = new WalObjectStore({ dir });
    const report = await store.open();
    try {
      let maxAcked = 0;
      for (const [key, rv] of acked) {
        const got = store.get(key);
        assert.ok(got, `acknowledged ${key} (rv ${rv}) is missing after the crash`);
        assert.equal(got.resourceVersion, rv, key);
        assert.equal(
          got.object().metadata && (got.object().metadata as { resourceVersion: string }).resourceVersion,
          String(rv),
        );
        maxAcked = Math.max(maxAcked, rv);
      }
      // Writes in flight at the kill may or may not have reached the disk, but nothing beyond
      // what was written can appear, and every warning is about an interrupted tail only.
      assert.ok(report.resourceVersion >= maxAcked);
      for (const w of report.warnings) assert.match(w, /dropped an incomplete record/);
      const next = await store.put('after/crash', () => ({ ok: true }));
      assert.ok(next.resourceVersion > maxAcked);
      assert.equal(next.resourceVersion, report.resourceVersion + 1);
    } finally {
      await store.close();
    }
  });
}
