import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { KubeObject, ResourceKind } from '../../../../src/apiserver/kinds/kind.ts';
import { defaultKinds } from '../../../../src/apiserver/kinds/served-kinds.ts';
import { ResourceService, type WriteOptions } from '../../../../src/apiserver/registry/resource-service.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';
import { type WatchEventType, WatchHub } from '../../../../src/apiserver/watch/watch-hub.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { MemoryObjectStore } from '../../../helpers/memory-object-store.ts';

const registry = defaultKinds();
const sdj = registry.lookup('ofelia.dev', 'v1alpha1', 'scheduleddockerjobs')!;
const events = registry.lookup('', 'v1', 'events')!;
const write: WriteOptions = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' };

let store: MemoryObjectStore;
let hub: WatchHub;
let svc: ResourceService;
let clock: FakeClock;

beforeEach(async () => {
  store = new MemoryObjectStore();
  clock = new FakeClock(Date.UTC(2026, 0, 1));
  hub = new WatchHub(store, registry, 5);
  svc = new ResourceService(store, hub, registry, clock);
  await svc.ensureNamespaces(['default', 'ops']);
});

const job = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name, labels: { app: name } },
  spec: { schedule: '@hourly', run: { image: 'busybox' }, ...spec },
});

const meta = (o: KubeObject) => o.metadata as Record<string, unknown>;
const spec = (o: KubeObject) => o.spec as Record<string, unknown>;

function rejects(code: number, reason: string) {
  return (e: unknown) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.reason, reason);
    return true;
  };
}

test('create sets uid, creationTimestamp, generation 1, resourceVersion, defaults; ignores status', async () => {
  const r = await svc.create(sdj, 'ops', { ...job('a'), status: { lastResult: 'Failed' } }, write);
  assert.equal(r.code, 201);
  const m = meta(r.object);
  assert.match(String(m.uid), /^[0-9a-f-]{36}$/);
  assert.equal(m.creationTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(m.generation, 1);
  assert.equal(m.namespace, 'ops');
  assert.equal(m.resourceVersion, String(store.currentResourceVersion()));
  assert.equal(spec(r.object).timeZone, 'UTC');
  assert.equal(r.object.status, undefined);
  assert.equal((m.managedFields as { manager: string }[])[0]!.manager, 'test');
});

test('generateName makes a name with a five-character suffix', async () => {
  const body = job('');
  meta(body).name = undefined;
  meta(body).generateName = 'nightly-';
  const r = await svc.create(sdj, 'ops', body, write);
  assert.match(String(meta(r.object).name), /^nightly-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('create refuses a missing namespace, a bad name, a duplicate, an invalid spec, unknown fields (Strict)', async () => {
  await assert.rejects(svc.create(sdj, 'nope', job('a'), write), (e: unknown) => {
    rejects(404, 'NotFound')(e);
    assert.equal((e as ApiError).message, 'namespaces "nope" not found');
    return true;
  });
  await assert.rejects(svc.create(sdj, 'ops', job('Bad_Name'), write), rejects(422, 'Invalid'));
  await svc.create(sdj, 'ops', job('a'), write);
  await assert.rejects(svc.create(sdj, 'ops', job('a'), write), rejects(409, 'AlreadyExists'));
  await assert.rejects(svc.create(sdj, 'ops', job('b', { schedule: 'nope' }), write), (e: unknown) => {
    rejects(422, 'Invalid')(e);
    const d = (e as ApiError).details!;
    assert.equal(d.kind, 'ScheduledDockerJob');
    assert.equal(d.group, 'ofelia.dev');
    assert.equal(d.name, 'b');
    assert.equal(d.causes![0]!.field, 'spec.schedule');
    return true;
  });
  await assert.rejects(svc.create(sdj, 'ops', job('c', { bogus: 1 }), write), (e: unknown) => {
    rejects(400, 'BadRequest')(e);
    assert.equal((e as ApiError).message, 'strict decoding error: unknown field "spec.bogus"');
    return true;
  });
  const warned = await svc.create(sdj, 'ops', job('d', { bogus: 1 }), { ...write, fieldValidation: 'Warn' });
  assert.deepEqual(warned.warnings, ['unknown field "spec.bogus"']);
  assert.equal(spec(warned.object).bogus, undefined, 'unknown fields are pruned');
});

test('generation rises only when spec changes; main writes keep status; status writes change only status', async () => {
  const created = (await svc.create(sdj, 'ops', job('a'), write)).object;
  const labelled = structuredClone(created);
  meta(labelled).labels = { app: 'a', extra: 'x' };
  const r1 = await svc.update(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    labelled,
    write,
  );
  assert.equal(meta(r1.object).generation, 1);
  const st = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: 'status' },
    'merge',
    { status: { lastResult: 'Succeeded' }, spec: { schedule: '@daily' } },
    write,
  );
  assert.deepEqual(st.object.status, { lastResult: 'Succeeded' });
  assert.equal(spec(st.object).schedule, '@hourly', 'a status write never changes spec');
  assert.equal(meta(st.object).generation, 1);
  const r2 = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' }, status: { lastResult: 'Failed' } },
    write,
  );
  assert.equal(meta(r2.object).generation, 2);
  assert.deepEqual(r2.object.status, { lastResult: 'Succeeded' }, 'a main write never changes status');
});

test('a status write validates the status alone: bad values are 422 under status., the spec is not admitted again', async () => {
  await svc.create(sdj, 'ops', job('a'), write);
  const target = { kind: sdj, namespace: 'ops', name: 'a', subresource: 'status' as const };
  await assert.rejects(
    svc.patch(target, 'merge', { status: { lastResult: 'Maybe', observedGeneration: 'two' } }, write),
    (e: unknown) => {
      assert.ok(e instanceof ApiError && e.code === 422, String(e));
      const fields = (e.details?.causes ?? []).map((c) => c.field).sort();
      assert.deepEqual(fields, ['status.lastResult', 'status.observedGeneration']);
      return true;
    },
  );
  // A kind whose whole-object admission would refuse everything: status writes never call it.
  const strictSpec = {
    ...sdj,
    admit: () => ({
      ok: false as const,
      causes: [{ field: 'spec', reason: 'FieldValueInvalid' as const, message: 'no' }],
    }),
  };
  const st = await svc.patch(
    { ...target, kind: strictSpec },
    'merge',
    { status: { lastResult: 'Succeeded' } },
    write,
  );
  assert.deepEqual(st.object.status, { lastResult: 'Succeeded' });
  // A null status in a merge patch removes it.
  const cleared = await svc.patch(target, 'merge', { status: null }, write);
  assert.equal(cleared.object.status, undefined);
  assert.equal(svc.get(sdj, 'ops', 'a').status, undefined);
});

test('a stale resourceVersion in PUT is a 409 Conflict; a patch without one applies to the latest', async () => {
  const created = (await svc.create(sdj, 'ops', job('a'), write)).object;
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { spec: { suspend: true } },
    write,
  );
  await assert.rejects(
    svc.update({ kind: sdj, namespace: 'ops', name: 'a', subresource: undefined }, created, write),
    rejects(409, 'Conflict'),
  );
  const r = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'json',
    [{ op: 'replace', path: '/spec/suspend', value: false }],
    write,
  );
  assert.equal(spec(r.object).suspend, false);
});

test('an unchanged write returns the stored object without a new resourceVersion', async () => {
  const created = (await svc.create(sdj, 'ops', job('a'), write)).object;
  const before = store.writes;
  const r = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { spec: { suspend: false } },
    { ...write, fieldManager: 'other' },
  );
  assert.deepEqual(r.object, created);
  assert.equal(store.writes, before);
});

test('dryRun=All validates and answers but stores nothing and bumps no resourceVersion', async () => {
  const dry = { ...write, dryRun: true };
  const c = await svc.create(sdj, 'ops', job('a'), dry);
  assert.equal(c.code, 201);
  assert.throws(() => svc.get(sdj, 'ops', 'a'), rejects(404, 'NotFound'));
  await svc.create(sdj, 'ops', job('a'), write);
  const rv = store.currentResourceVersion();
  const p = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' } },
    dry,
  );
  assert.equal(spec(p.object).schedule, '@daily');
  await svc.delete(sdj, 'ops', 'a', {}, true);
  assert.equal(store.currentResourceVersion(), rv);
  assert.equal(spec(svc.get(sdj, 'ops', 'a')).schedule, '@hourly');
});

test('finalizers: delete marks deletionTimestamp, removing the last finalizer deletes', async () => {
  const body = job('a');
  meta(body).finalizers = ['ofelia.dev/cleanup'];
  await svc.create(sdj, 'ops', body, write);
  const seen: WatchEventType[] = [];
  hub.watch({ kind: sdj, namespace: 'ops', matches: () => true }, undefined, { send: (t) => seen.push(t) });
  const d = await svc.delete(sdj, 'ops', 'a', {}, false);
  assert.equal(d.code, 202);
  assert.equal(meta(d.object).deletionTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(meta(d.object).deletionGracePeriodSeconds, 0);
  assert.ok(svc.get(sdj, 'ops', 'a'));
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
      'merge',
      { metadata: { finalizers: ['x', 'ofelia.dev/cleanup'] } },
      write,
    ),
    rejects(422, 'Invalid'),
  );
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined },
    'merge',
    { metadata: { finalizers: null } },
    write,
  );
  assert.throws(() => svc.get(sdj, 'ops', 'a'), rejects(404, 'NotFound'));
  assert.deepEqual(seen, ['MODIFIED', 'DELETED']);
});

test('delete preconditions and protected namespaces', async () => {
  await svc.create(sdj, 'ops', job('a'), write);
  await assert.rejects(
    svc.delete(sdj, 'ops', 'a', { preconditions: { uid: 'other' } }, false),
    rejects(409, 'Conflict'),
  );
  const ns = registry.lookup('', 'v1', 'namespaces')!;
  await assert.rejects(svc.delete(ns, undefined, 'default', {}, false), rejects(403, 'Forbidden'));
  await svc.delete(ns, undefined, 'ops', {}, false);
  assert.throws(
    () => svc.get(sdj, 'ops', 'a'),
    rejects(404, 'NotFound'),
    'deleting a namespace deletes its objects',
  );
});

test('list: namespaces, selectors, limit and continue', async () => {
  for (const n of ['a', 'b', 'c', 'd']) await svc.create(sdj, 'ops', job(n), write);
  await svc.create(sdj, 'default', job('e'), write);
  const names = (items: KubeObject[]) => items.map((o) => meta(o).name);
  assert.deepEqual(names(svc.list(sdj, 'ops', {}).items), ['a', 'b', 'c', 'd']);
  assert.deepEqual(names(svc.list(sdj, undefined, {}).items), ['e', 'a', 'b', 'c', 'd']);
  assert.deepEqual(names(svc.list(sdj, undefined, { labelSelector: 'app in (b,e)' }).items), ['e', 'b']);
  assert.deepEqual(names(svc.list(sdj, undefined, { fieldSelector: 'metadata.namespace=default' }).items), [
    'e',
  ]);
  const page1 = svc.list(sdj, 'ops', { limit: 3 });
  assert.deepEqual(names(page1.items), ['a', 'b', 'c']);
  assert.equal(page1.remainingItemCount, 1);
  const page2 = svc.list(sdj, 'ops', { limit: 3, continueToken: page1.continueToken! });
  assert.deepEqual(names(page2.items), ['d']);
  assert.equal(page2.continueToken, undefined);
});

test('server-side apply creates, conflicts with another manager, and removes dropped fields', async () => {
  const apply = (manager: string, body: KubeObject, force = false) =>
    svc.patch({ kind: sdj, namespace: 'ops', name: 'a', subresource: undefined }, 'apply', body, {
      ...write,
      fieldManager: manager,
      force,
    });
  const created = await apply('alice', job('a', { suspend: true }));
  assert.equal(created.code, 201);
  await assert.rejects(apply('bob', job('a', { schedule: '@daily' })), (e: unknown) => {
    rejects(409, 'Conflict')(e);
    const causes = (e as ApiError).details!.causes!;
    assert.deepEqual(causes, [
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "alice" using ofelia.dev/v1alpha1',
        field: '.spec.schedule',
      },
    ]);
    return true;
  });
  const forced = await apply('bob', job('a', { schedule: '@daily' }), true);
  assert.equal(spec(forced.object).schedule, '@daily');
  // alice stops managing suspend: only she owned it, so it goes (and the default comes back).
  const dropped = await apply('alice', { ...job('a'), spec: { run: { image: 'busybox' } } });
  assert.equal(spec(dropped.object).suspend, false);
  assert.equal(spec(dropped.object).schedule, '@daily');
});

test('events: field selectors on involvedObject', async () => {
  const ev = (name: string, involved: string): KubeObject => ({
    metadata: { name },
    involvedObject: { kind: 'ScheduledDockerJob', name: involved, namespace: 'ops' },
    reason: 'RunSucceeded',
    message: 'ok',
    type: 'Normal',
  });
  await svc.create(events, 'ops', ev('e1', 'a'), write);
  await svc.create(events, 'ops', ev('e2', 'b'), write);
  const got = svc.list(events, 'ops', {
    fieldSelector: 'involvedObject.name=b,involvedObject.kind=ScheduledDockerJob',
  }).items;
  assert.deepEqual(
    got.map((o) => meta(o).name),
    ['e2'],
  );
  assert.throws(() => svc.list(events, 'ops', { fieldSelector: 'spec.x=1' }), rejects(400, 'BadRequest'));
});

test('watch hub: resume from history, 410 once the history has moved past, selector transitions', async () => {
  const kind: ResourceKind = sdj;
  const startRv = hub.currentResourceVersion();
  await svc.create(sdj, 'ops', job('a'), write);
  const seen: string[] = [];
  hub.watch({ kind, matches: () => true }, startRv, {
    send: (t, o) => seen.push(`${t}:${meta(o.object()).name}`),
  });
  assert.deepEqual(seen, ['ADDED:a'], 'history replayed');

  const filtered: string[] = [];
  // Selectors read labels (kept beside the stored text), key and field labels; this one reads a label.
  hub.watch({ kind, matches: (o) => o.labels?.paused === 'yes' }, undefined, {
    send: (t, o) => filtered.push(`${t}:${meta(o.object()).name}`),
  });
  const a = { kind: sdj, namespace: 'ops', name: 'a', subresource: undefined };
  await svc.patch(a, 'merge', { metadata: { labels: { paused: 'yes' } } }, write);
  await svc.patch(a, 'merge', { spec: { schedule: '@daily' } }, write);
  await svc.patch(a, 'merge', { metadata: { labels: { paused: null } } }, write);
  assert.deepEqual(filtered, ['ADDED:a', 'MODIFIED:a', 'DELETED:a']);

  // Five changes of history: the list version is always resumable, an older one is gone.
  for (const n of ['b', 'c', 'd', 'e', 'f']) await svc.create(sdj, 'ops', job(n), write);
  const listRv = Number(svc.list(sdj, 'ops', {}).resourceVersion);
  assert.doesNotThrow(() => hub.checkResumable(listRv));
  assert.throws(() => hub.checkResumable(startRv), rejects(410, 'Expired'));
});
