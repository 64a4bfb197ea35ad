/**
 * The resource engine's GuaranteedUpdate: a write that loses a race in the store (StoreConflictError)
 * is re-applied to the latest object when the request had no resourceVersion precondition, and is a
 * 409 Conflict when it had one. A RacingStore makes another writer win the next N store writes.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { KubeObject } from '../../../../src/apiserver/kinds/kind.ts';
import { defaultKinds } from '../../../../src/apiserver/kinds/served-kinds.ts';
import { OBJECT_MODIFIED } from '../../../../src/apiserver/registry/guaranteed-update.ts';
import { ResourceService, type WriteOptions } from '../../../../src/apiserver/registry/resource-service.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';
import {
  type ObjectStore,
  type OpenReport,
  type PutOptions,
  type StoreChange,
  StoreConflictError,
  type StoredObject,
} from '../../../../src/apiserver/store/object-store.ts';
import { WatchHub } from '../../../../src/apiserver/watch/watch-hub.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { MemoryObjectStore } from '../../../helpers/memory-object-store.ts';

/**
 * An ObjectStore where, for the next `n` conditional writes, another writer gets there first: it
 * stores `racer(latest value)` and the write fails as the real store fails it. With `unreadable`,
 * the winning write is not readable yet when the loser fails (as in the WAL store, whose reads see
 * only fsync'd writes) and lands on the next turn of the event loop.
 */
class RacingStore implements ObjectStore {
  readonly inner = new MemoryObjectStore();
  private races = 0;
  private racer: (value: KubeObject) => KubeObject = (v) => v;
  private unreadable = false;
  /** Conditional writes attempted (won or lost). */
  attempts = 0;

  race(n: number, racer: (value: KubeObject) => KubeObject, opts: { unreadable?: boolean } = {}): void {
    this.races = n;
    this.racer = racer;
    this.unreadable = opts.unreadable ?? false;
  }

  open(): Promise<OpenReport> {
    return this.inner.open();
  }
  get(key: string): StoredObject | undefined {
    return this.inner.get(key);
  }
  list(prefix: string): StoredObject[] {
    return this.inner.list(prefix);
  }
  currentResourceVersion(): number {
    return this.inner.currentResourceVersion();
  }
  onChange(listener: (c: StoreChange) => void): () => void {
    return this.inner.onChange(listener);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async put(key: string, build: (rv: number) => Record<string, unknown>, opts?: PutOptions) {
    await this.maybeLose(key, opts);
    return this.inner.put(key, build, opts);
  }

  async delete(key: string, opts?: PutOptions) {
    await this.maybeLose(key, opts);
    return this.inner.delete(key, opts);
  }

  private async maybeLose(key: string, opts: PutOptions | undefined): Promise<void> {
    if (opts?.expectedResourceVersion === undefined) return;
    this.attempts++;
    if (this.races === 0) return;
    this.races--;
    const expected = opts.expectedResourceVersion;
    const latest = this.inner.get(key);
    const winner = this.inner.currentResourceVersion() + 1;
    const win = () =>
      this.inner.put(key, (rv) => {
        const next = this.racer(structuredClone(latest?.object() ?? {}));
        return { ...next, metadata: { ...(next.metadata as object), resourceVersion: String(rv) } };
      });
    if (this.unreadable) setImmediate(() => void win());
    else await win();
    throw new StoreConflictError(key, expected, winner);
  }
}

/** A store whose updates (not creates) wait while the gate is closed. */
class GatedStore extends RacingStore {
  private gate: Promise<void> | undefined;

  closeGate(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    return open;
  }

  override async put(key: string, build: (rv: number) => Record<string, unknown>, opts?: PutOptions) {
    if (this.gate && opts?.expectedResourceVersion !== 0) await this.gate;
    return super.put(key, build, opts);
  }
}

const registry = defaultKinds();
const sdj = registry.lookup('ofelia.dev', 'v1alpha1', 'scheduleddockerjobs')!;
const write: WriteOptions = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' };
const KEY = 'ofelia.dev/scheduleddockerjobs/ops/a';

let store: RacingStore;
let svc: ResourceService;
let clock: FakeClock;

beforeEach(async () => {
  store = new RacingStore();
  clock = new FakeClock(Date.UTC(2026, 0, 1));
  svc = new ResourceService(store, new WatchHub(store, registry, 5), registry, clock, { attempts: 5 });
  await svc.ensureNamespaces(['default', 'ops']);
});

const job = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name, labels: { app: name }, ...extra },
  spec: { schedule: '@hourly', run: { image: 'busybox' } },
});

const meta = (o: KubeObject) => o.metadata as Record<string, unknown>;
const labels = (o: KubeObject) => meta(o).labels as Record<string, string>;

/** A racer that adds label `racer-<n>` (n counts up), as a concurrent writer would. */
function labelRacer(): (v: KubeObject) => KubeObject {
  let n = 0;
  return (v) => {
    meta(v).labels = { ...labels(v), [`racer-${++n}`]: 'won' };
    return v;
  };
}

function conflict(message: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 409, e.message);
    assert.equal(e.reason, 'Conflict');
    assert.equal(
      e.message,
      `Operation cannot be fulfilled on scheduleddockerjobs.ofelia.dev "a": ${message}`,
    );
    return true;
  };
}

const stored = () => store.get(KEY)!.object();

/** Each write changes one thing; none carries a resourceVersion precondition. */
const unconditionalWrites: {
  name: string;
  run: () => Promise<unknown>;
  check: (o: KubeObject) => void;
}[] = [
  {
    name: 'merge patch',
    run: () =>
      svc.patch(
        { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
        'merge',
        { spec: { suspend: true } },
        write,
      ),
    check: (o) => assert.equal((o.spec as { suspend: boolean }).suspend, true),
  },
  {
    name: 'status merge patch',
    run: () =>
      svc.patch(
        { kind: sdj, namespace: 'ops', name: 'a', subresource: 'status' },
        'merge',
        { status: { lastResult: 'Failed' } },
        write,
      ),
    check: (o) => assert.deepEqual(o.status, { lastResult: 'Failed' }),
  },
  {
    name: 'JSON patch',
    run: () =>
      svc.patch(
        { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
        'json',
        [{ op: 'add', path: '/metadata/labels/mine', value: 'x' }],
        write,
      ),
    check: (o) => assert.equal(labels(o).mine, 'x'),
  },
  {
    name: 'server-side apply',
    run: () =>
      svc.patch(
        { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
        'apply',
        { ...job('a'), spec: { schedule: '@daily', run: { image: 'busybox' } } },
        { ...write, fieldManager: 'applier', force: true },
      ),
    check: (o) => assert.equal((o.spec as { schedule: string }).schedule, '@daily'),
  },
  {
    name: 'PUT without resourceVersion',
    run: async () => {
      const body = structuredClone(stored());
      delete meta(body).resourceVersion;
      delete meta(body).labels;
      (body.spec as Record<string, unknown>).schedule = '@weekly';
      return svc.update({ kind: sdj, namespace: 'ops', name: 'a', subresource: undefined }, body, write);
    },
    // An unconditional PUT replaces labels: the racers' labels are gone, as on a real server.
    check: (o) => assert.equal((o.spec as { schedule: string }).schedule, '@weekly'),
  },
];

for (const w of unconditionalWrites) {
  for (const unreadable of [false, true]) {
    test(`${w.name} losing 3 races ${unreadable ? '(winner not yet readable) ' : ''}is re-applied to the latest object`, async () => {
      await svc.create(sdj, 'ops', job('a'), write);
      store.race(3, labelRacer(), { unreadable });
      await w.run();
      const o = stored();
      w.check(o);
      if (w.name !== 'PUT without resourceVersion')
        assert.deepEqual(
          ['racer-1', 'racer-2', 'racer-3'].map((l) => labels(o)[l]),
          ['won', 'won', 'won'],
          'no racing write is lost',
        );
      assert.equal(meta(o).resourceVersion, String(store.currentResourceVersion()));
    });
  }
}

test('a request with a resourceVersion precondition that loses a race is 409, never re-applied', async () => {
  const created = (await svc.create(sdj, 'ops', job('a'), write)).object;
  const rv = String(meta(created).resourceVersion);

  store.race(1, labelRacer());
  const put = structuredClone(created);
  (put.spec as Record<string, unknown>).schedule = '@daily';
  await assert.rejects(
    svc.update({ kind: sdj, namespace: 'ops', name: 'a', subresource: undefined }, put, write),
    conflict(OBJECT_MODIFIED),
  );

  const fresh = String(meta(stored()).resourceVersion);
  store.race(1, labelRacer());
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
      'merge',
      { metadata: { resourceVersion: fresh }, spec: { suspend: true } },
      write,
    ),
    conflict(OBJECT_MODIFIED),
  );
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: 'status' },
      'merge',
      { metadata: { resourceVersion: rv }, status: { lastResult: 'Failed' } },
      write,
    ),
    conflict(OBJECT_MODIFIED),
  );
  const o = stored();
  assert.equal((o.spec as { schedule: string }).schedule, '@hourly');
  assert.equal((o.spec as { suspend: boolean }).suspend, false);
  assert.equal(o.status, undefined);
});

test('a JSON patch whose test op held on the first read but not on the latest is refused (422), not half-applied', async () => {
  await svc.create(sdj, 'ops', job('a'), write);
  store.race(1, (v) => {
    meta(v).labels = { app: 'changed' };
    return v;
  });
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
      'json',
      [
        { op: 'test', path: '/metadata/labels/app', value: 'a' },
        { op: 'replace', path: '/spec/suspend', value: true },
      ],
      write,
    ),
    (e: unknown) => e instanceof ApiError && e.code === 422 && /test/.test(e.message),
  );
  assert.equal((stored().spec as { suspend: boolean }).suspend, false);
});

test('DELETE racing a status write: deleted without preconditions, 409 with a stale resourceVersion precondition', async () => {
  const statusRacer = (v: KubeObject) => ({ ...v, status: { lastResult: 'Succeeded' } });
  const created = (await svc.create(sdj, 'ops', job('a'), write)).object;
  store.race(1, statusRacer);
  await assert.rejects(
    svc.delete(sdj, 'ops', 'a', { preconditions: { resourceVersion: meta(created).resourceVersion } }, false),
    (e: unknown) =>
      e instanceof ApiError && e.code === 409 && /Precondition failed: ResourceVersion/.test(e.message),
  );
  assert.ok(store.get(KEY), 'still there');
  store.race(2, statusRacer);
  const r = await svc.delete(sdj, 'ops', 'a', {}, false);
  assert.equal(r.code, 200);
  assert.equal(store.get(KEY), undefined);
});

test('removing the last finalizer while status writes race deletes the object', async () => {
  await svc.create(sdj, 'ops', job('a', { finalizers: ['ofelia.dev/cleanup'] }), write);
  store.race(1, (v) => ({ ...v, status: { lastResult: 'Succeeded' } }));
  assert.equal((await svc.delete(sdj, 'ops', 'a', {}, false)).code, 202);
  store.race(2, (v) => ({ ...v, status: { lastResult: 'Failed' } }), { unreadable: true });
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { metadata: { finalizers: null } },
    write,
  );
  assert.equal(store.get(KEY), undefined);
});

test('a server-side apply whose create loses to another create becomes an update of it', async () => {
  store.race(1, () => job('a'));
  const r = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'apply',
    { ...job('a'), metadata: { name: 'a', labels: { applied: 'yes' } } },
    { ...write, fieldManager: 'applier' },
  );
  assert.equal(r.code, 200);
  assert.equal(labels(stored()).applied, 'yes');
  assert.equal(labels(stored()).app, 'a', 'the other create is kept');
  // A plain create losing the same race is AlreadyExists.
  store.race(1, () => job('b'));
  await assert.rejects(
    svc.create(sdj, 'ops', job('b'), write),
    (e: unknown) => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists',
  );
});

test('a write that loses every attempt gives up with a 409 after the configured attempts', async () => {
  await svc.create(sdj, 'ops', job('a'), write);
  const before = store.attempts;
  store.race(100, labelRacer());
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
      'merge',
      { spec: { suspend: true } },
      write,
    ),
    conflict('the object kept changing while this write was applied (5 attempts); please try again'),
  );
  assert.equal(store.attempts - before, 5);
});

test('concurrent writes to one key run one at a time: none conflicts, none is lost', async () => {
  await svc.create(sdj, 'ops', job('a'), write);
  const before = store.attempts;
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      svc.patch(
        { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
        'merge',
        { metadata: { labels: { [`w${i}`]: String(i) } } },
        write,
      ),
    ),
  );
  assert.equal(store.attempts - before, 20, 'one store write each');
  for (let i = 0; i < 20; i++) assert.equal(labels(stored())[`w${i}`], String(i));
});

test('writes queued behind a key are bounded (429) and time out (429) while one is stuck', async () => {
  const slow = new GatedStore();
  const s = new ResourceService(slow, new WatchHub(slow, registry, 5), registry, clock, {
    maxQueuedPerKey: 2,
    queueWaitMs: 1_000,
  });
  await s.ensureNamespaces(['ops']);
  await s.create(sdj, 'ops', job('a'), write);
  const unblock = slow.closeGate();
  const patch = (i: number) =>
    s.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
      'merge',
      { metadata: { labels: { [`w${i}`]: 'x' } } },
      write,
    );
  const first = patch(0); // holds the key, stuck in the store
  const second = patch(1); // waits for its turn
  const tooMany = (e: unknown) => e instanceof ApiError && e.code === 429 && e.reason === 'TooManyRequests';
  await assert.rejects(patch(2), tooMany);
  clock.advance(1_000);
  await assert.rejects(second, tooMany);
  unblock();
  await first;
  await patch(3);
  const l = labels(slow.get(KEY)!.object());
  assert.deepEqual([l.w0, l.w1, l.w2, l.w3], ['x', undefined, undefined, 'x']);
});
