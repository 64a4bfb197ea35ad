import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  StoreClosedError,
  StoreOpenError,
  StoreRecordTooLargeError,
} from '../../../../src/apiserver/store/errors.ts';
import { FRAME_HEADER_BYTES } from '../../../../src/apiserver/store/framing.ts';
import { type StoreChange, StoreConflictError } from '../../../../src/apiserver/store/object-store.ts';
import { WalObjectStore, type WalObjectStoreOptions } from '../../../../src/apiserver/store/wal-store.ts';

const root = mkdtempSync(join(tmpdir(), 'wal-store-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(root, `d${dirs++}`);

async function opened(dir: string, opts: Partial<WalObjectStoreOptions> = {}) {
  const store = new WalObjectStore({ dir, ...opts });
  const report = await store.open();
  return { store, report };
}

const obj =
  (name: string, extra: Record<string, unknown> = {}) =>
  (rv: number) => ({
    metadata: { name, resourceVersion: String(rv) },
    ...extra,
  });

/** Everything observable about a store's content. */
function contents(store: WalObjectStore) {
  return store
    .list('')
    .map((o) => [o.key, o.resourceVersion, o.object()] as const)
    .sort(([a], [b]) => a.localeCompare(b));
}

const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('wal-'))
    .sort();

test('put, get, list by prefix, delete', async () => {
  const { store, report } = await opened(freshDir());
  assert.deepEqual(report, { restored: 0, resourceVersion: 0, warnings: [] });
  const a = await store.put('jobs/ops/a', obj('a'));
  const b = await store.put('jobs/ops/b', obj('b'));
  await store.put('jobs/dev/c', obj('c'));
  assert.equal(a.resourceVersion, 1);
  assert.equal(b.resourceVersion, 2);
  assert.deepEqual(store.get('jobs/ops/a')?.object(), { metadata: { name: 'a', resourceVersion: '1' } });
  assert.deepEqual(
    store
      .list('jobs/ops/')
      .map((o) => o.key)
      .sort(),
    ['jobs/ops/a', 'jobs/ops/b'],
  );
  const deleted = await store.delete('jobs/ops/a');
  assert.equal(deleted?.resourceVersion, 4);
  assert.deepEqual(deleted?.previous.object(), a.object());
  assert.equal(store.get('jobs/ops/a'), undefined);
  assert.equal(await store.delete('jobs/ops/a'), undefined, 'deleting a missing key is a no-op');
  assert.equal(store.currentResourceVersion(), 4);
  await store.close();
});

test('resourceVersion is monotonic across reopen, including after deletes', async () => {
  const dir = freshDir();
  const first = await opened(dir);
  await first.store.put('k/1', obj('1'));
  await first.store.put('k/2', obj('2'));
  await first.store.delete('k/2');
  await first.store.close();
  const second = await opened(dir);
  assert.deepEqual(second.report, { restored: 1, resourceVersion: 3, warnings: [] });
  const next = await second.store.put('k/3', obj('3'));
  assert.equal(next.resourceVersion, 4);
  await second.store.close();
});

test('optimistic concurrency: expectedResourceVersion, 0 = must not exist, pending writes count', async () => {
  const { store } = await opened(freshDir());
  const created = await store.put('k', obj('k'), { expectedResourceVersion: 0 });
  await assert.rejects(store.put('k', obj('k'), { expectedResourceVersion: 0 }), (e: unknown) => {
    assert.ok(e instanceof StoreConflictError);
    assert.equal(e.reason, 'Conflict');
    assert.equal(e.actual, created.resourceVersion);
    return true;
  });
  await assert.rejects(store.put('k', obj('k'), { expectedResourceVersion: 99 }), StoreConflictError);
  await assert.rejects(store.delete('k', { expectedResourceVersion: 99 }), StoreConflictError);
  // Two writers racing on the same version: exactly one wins, even before either is durable.
  const results = await Promise.allSettled([
    store.put('k', obj('k', { by: 'x' }), { expectedResourceVersion: created.resourceVersion }),
    store.put('k', obj('k', { by: 'y' }), { expectedResourceVersion: created.resourceVersion }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected'],
  );
  assert.equal(store.get('k')?.object().by, 'x');
  assert.equal(store.currentResourceVersion(), 2, 'a refused write takes no resourceVersion');
  await store.close();
});

test('group commit: 200 concurrent puts share far fewer fsyncs, and all are durable', async () => {
  const dir = freshDir();
  const { store } = await opened(dir);
  const before = store.stats().fsyncs;
  const acked = await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(`k/${i}`, obj(`${i}`))));
  const fsyncs = store.stats().fsyncs - before;
  assert.ok(fsyncs >= 1 && fsyncs <= 10, `expected batching, got ${fsyncs} fsyncs for 200 puts`);
  assert.deepEqual(
    acked.map((o) => o.resourceVersion),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  // Sequential puts cannot batch: one fsync each.
  const seqBefore = store.stats().fsyncs;
  for (let i = 0; i < 5; i++) await store.put(`s/${i}`, obj('s'));
  assert.equal(store.stats().fsyncs - seqBefore, 5);
  await store.close();
  const reopened = await opened(dir);
  assert.equal(reopened.report.restored, 205);
  await reopened.store.close();
});

test('onChange: every applied change in resourceVersion order, before the write resolves', async () => {
  const { store } = await opened(freshDir());
  const seen: StoreChange[] = [];
  const unsubscribe = store.onChange((c) => seen.push(c));
  const writes = [
    store.put('a', obj('a')),
    store.put('b', obj('b')),
    store.put('a', obj('a', { v: 2 })),
    store.delete('b'),
  ];
  const first = await writes[0];
  assert.ok(seen.length >= 1 && seen[0]!.resourceVersion === first!.resourceVersion);
  await Promise.all(writes);
  assert.deepEqual(
    seen.map((c) => [c.type, c.key, c.resourceVersion, c.type === 'put' ? c.previous === undefined : null]),
    [
      ['put', 'a', 1, true],
      ['put', 'b', 2, true],
      ['put', 'a', 3, false],
      ['delete', 'b', 4, null],
    ],
  );
  unsubscribe();
  await store.put('c', obj('c'));
  assert.equal(seen.length, 4);
  await store.close();
});

test('a throwing listener does not break the store', async () => {
  const { store } = await opened(freshDir());
  store.onChange(() => {
    throw new Error('listener bug');
  });
  assert.equal((await store.put('a', obj('a'))).resourceVersion, 1);
  assert.equal(store.get('a')?.resourceVersion, 1);
  await store.close();
});

test('a build function that throws takes no resourceVersion', async () => {
  const { store } = await opened(freshDir());
  await assert.rejects(
    store.put('a', () => {
      throw new Error('invalid object');
    }),
    /invalid object/,
  );
  assert.equal((await store.put('a', obj('a'))).resourceVersion, 1);
  await store.close();
});

test('records over maxRecordBytes are refused with a reason', async () => {
  const { store } = await opened(freshDir(), { maxRecordBytes: 1024 });
  await assert.rejects(store.put('big', obj('big', { blob: 'x'.repeat(2000) })), (e: unknown) => {
    assert.ok(e instanceof StoreRecordTooLargeError);
    assert.equal(e.reason, 'RequestEntityTooLarge');
    return true;
  });
  assert.equal(store.currentResourceVersion(), 0);
  await store.close();
});

test('writes after close are refused; close waits for pending writes', async () => {
  const dir = freshDir();
  const { store } = await opened(dir);
  const pending = Array.from({ length: 20 }, (_, i) => store.put(`k/${i}`, obj(`${i}`)));
  await store.close();
  assert.equal((await Promise.all(pending)).length, 20);
  await assert.rejects(store.put('late', obj('late')), StoreClosedError);
  const reopened = await opened(dir);
  assert.equal(reopened.report.restored, 20);
  await reopened.store.close();
});

test('snapshots: state after snapshot + replay equals the state written, the log stays bounded', async () => {
  const dir = freshDir();
  const { store } = await opened(dir, { snapshotEvery: 50 });
  for (let round = 0; round < 12; round++) {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 7 === 3 && store.get(`k/${i}`)
          ? store.delete(`k/${i}`)
          : store.put(`k/${i}`, obj(`${i}`, { round })),
      ),
    );
  }
  const want = contents(store);
  const rv = store.currentResourceVersion();
  assert.ok(store.stats().snapshots >= 2, `snapshots: ${store.stats().snapshots}`);
  await store.close();
  const files = readdirSync(dir);
  assert.ok(files.filter((f) => f.endsWith('.snap')).length <= 2, files.join(' '));
  assert.ok(segmentFiles(dir).length <= 3, files.join(' '));
  const reopened = await opened(dir, { snapshotEvery: 50 });
  assert.deepEqual(reopened.report.warnings, []);
  assert.equal(reopened.report.resourceVersion, rv);
  assert.deepEqual(contents(reopened.store), want);
  await reopened.store.close();
});

test('files are private: directory 0700, files 0600', async () => {
  const dir = join(freshDir(), 'nested', 'data');
  const { store } = await opened(dir, { snapshotEvery: 2 });
  for (let i = 0; i < 5; i++) await store.put(`k/${i}`, obj(`${i}`));
  await store.close();
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(dir)) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
});

test('an empty existing directory opens as an empty store', async () => {
  const dir = freshDir();
  cpSync(root, dir, { filter: () => false });
  const { store, report } = await opened(dir);
  assert.deepEqual(report, { restored: 0, resourceVersion: 0, warnings: [] });
  await store.close();
});

/** Write `n` puts to a fresh store and return its dir (closed) and the content. */
async function written(n: number, opts: Partial<WalObjectStoreOptions> = {}) {
  const dir = freshDir();
  const { store } = await opened(dir, opts);
  for (let i = 1; i <= n; i++) await store.put(`k/${i}`, obj(`${i}`, { i }));
  await store.close();
  return dir;
}

function copyDir(dir: string): string {
  const copy = freshDir();
  cpSync(dir, copy, { recursive: true });
  return copy;
}

test('a torn tail is dropped with a warning, the file repaired, and appends continue', async () => {
  const dir = copyDir(await written(5));
  const [seg] = segmentFiles(dir);
  const file = join(dir, seg!);
  const bytes = readFileSync(file);
  writeFileSync(file, bytes.subarray(0, bytes.length - 10)); // crash in the middle of record 5
  const { store, report } = await opened(dir);
  assert.equal(report.resourceVersion, 4);
  assert.equal(report.restored, 4);
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0]!, new RegExp(`${seg}: dropped an incomplete record at offset \\d+`));
  assert.equal((await store.put('k/new', obj('new'))).resourceVersion, 5);
  await store.close();
  const again = await opened(dir);
  assert.deepEqual(again.report.warnings, [], 'the repaired log reads clean');
  assert.equal(again.report.restored, 5);
  await again.store.close();
});

test('a corrupt record in the middle is reported (file, offset, reason) and the rest survives', async () => {
  const original = await written(6);
  const dir = copyDir(original);
  const [seg] = segmentFiles(dir);
  const file = join(dir, seg!);
  const bytes = readFileSync(file);
  const recordLength = bytes.length / 6; // identical-size records (k/1..k/6, single digits)
  const third = 2 * recordLength;
  bytes[third + FRAME_HEADER_BYTES + 5]! ^= 0xff;
  writeFileSync(file, bytes);
  const { store, report } = await opened(dir);
  assert.equal(report.restored, 5);
  assert.equal(report.resourceVersion, 6);
  assert.equal(store.get('k/3'), undefined);
  assert.deepEqual(store.get('k/6')?.object(), { metadata: { name: '6', resourceVersion: '6' }, i: 6 });
  assert.equal(report.warnings.length, 2);
  assert.match(
    report.warnings[0]!,
    new RegExp(`${seg}: corrupt data at offset ${third} .*checksum mismatch`),
  );
  assert.match(report.warnings[1]!, /resourceVersions 3\.\.3 are missing/);
  assert.equal((await store.put('k/7', obj('7'))).resourceVersion, 7);
  await store.close();
});

test('a corrupt snapshot falls back to the previous one plus the kept log, losing nothing', async () => {
  const dir = freshDir();
  const { store } = await opened(dir, { snapshotEvery: 10 });
  for (let i = 0; i < 45; i++) await store.put(`k/${i % 15}`, obj(`${i}`, { i }));
  const want = contents(store);
  await store.close();
  const snaps = readdirSync(dir)
    .filter((f) => f.endsWith('.snap'))
    .sort();
  assert.equal(snaps.length, 2);
  const newest = join(dir, snaps[1]!);
  const bytes = readFileSync(newest);
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  writeFileSync(newest, bytes);
  const { store: reopened, report } = await opened(dir, { snapshotEvery: 10 });
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0]!, new RegExp(`snapshot ${snaps[1]} is unusable: .*falling back`));
  assert.equal(report.resourceVersion, 45);
  assert.deepEqual(contents(reopened), want);
  await reopened.close();
  assert.ok(readdirSync(dir).includes(`${snaps[1]}.corrupt`), 'the damaged snapshot is kept as evidence');
});

test('every snapshot corrupt with old segments gone: the loss is reported, never silent', async () => {
  const dir = freshDir();
  const { store } = await opened(dir, { snapshotEvery: 5 });
  for (let i = 0; i < 30; i++) await store.put(`k/${i}`, obj(`${i}`));
  await store.close();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.snap'))) writeFileSync(join(dir, f), 'garbage');
  const { store: reopened, report } = await opened(dir);
  assert.ok(
    report.warnings.some((w) => /resourceVersions 1\.\.\d+ are missing/.test(w)),
    report.warnings.join('\n'),
  );
  assert.equal(report.resourceVersion, 30, 'the counter still continues above every version seen');
  await reopened.close();
});

test('unusable data directories fail with a clear StoreOpenError', async () => {
  const file = join(root, 'a-regular-file');
  writeFileSync(file, 'x');
  for (const dir of [file, join(file, 'below')]) {
    const store = new WalObjectStore({ dir });
    await assert.rejects(store.open(), (e: unknown) => {
      assert.ok(e instanceof StoreOpenError, String(e));
      assert.equal(e.reason, 'StoreUnavailable');
      assert.match(e.message, /^cannot open the store in .*: (ENOTDIR|EEXIST|not a directory)/);
      return true;
    });
  }
});

test('a directory held by another live process is refused; a dead owner is taken over', async () => {
  const dir = await written(1);
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeFileSync(join(dir, 'LOCK'), `${other.pid}\n`);
    await assert.rejects(new WalObjectStore({ dir }).open(), new RegExp(`in use by process ${other.pid}`));
  } finally {
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
  }
  const { store } = await opened(dir); // the owner is dead now
  await assert.rejects(new WalObjectStore({ dir }).open(), /already open in this process/);
  await store.close();
});

test('snapshots wait for half as many records as there are objects: a growing map is not rewritten every few writes', async () => {
  const dir = freshDir();
  const { store } = await opened(dir, { snapshotEvery: 5 });
  // Every put a new key: at most the snapshots at about 5, 10, 20 and 40 objects (every 5 records
  // would be 8), and what is restored is still everything.
  for (let i = 0; i < 40; i++) await store.put(`k/${i}`, obj(`${i}`));
  const want = contents(store);
  await store.close();
  const taken = store.stats().snapshots;
  assert.ok(taken >= 2 && taken <= 4, `snapshots: ${taken}`);
  const reopened = await opened(dir);
  assert.deepEqual(reopened.report.warnings, []);
  assert.deepEqual(contents(reopened.store), want);
  await reopened.store.close();
});
