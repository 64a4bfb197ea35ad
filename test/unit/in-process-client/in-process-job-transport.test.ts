/**
 * The in-process job transport against the API server's real engine (ResourceService, WatchHub,
 * admission, managed fields) over a memory store: the informer's list and watch through
 * client-node's own ListWatch, status and finalizer writes, their errors, the watch's bound and
 * the call deadline.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type { Informer, ObjectCache } from '@kubernetes/client-node';
import { inProcessAccess } from '../../../src/apiserver/in-process.ts';
import type { KubeObject } from '../../../src/apiserver/kinds/kind.ts';
import { defaultKinds } from '../../../src/apiserver/kinds/served-kinds.ts';
import { ResourceService, type WriteOptions } from '../../../src/apiserver/registry/resource-service.ts';
import { WatchHub } from '../../../src/apiserver/watch/watch-hub.ts';
import { FIELD_MANAGER } from '../../../src/in-process-client/in-process-calls.ts';
import { InProcessInformer, namespaceOfPath } from '../../../src/in-process-client/in-process-informer.ts';
import { inProcessJobTransport } from '../../../src/in-process-client/in-process-job-transport.ts';
import { httpStatusOf, isNotFound } from '../../../src/kube/api-errors.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { jobsPath } from '../../../src/kube/job-api.ts';
import type { JobTransport } from '../../../src/kube/job-transport.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { MemoryObjectStore } from '../../helpers/memory-object-store.ts';
import { settle } from '../../helpers/wait.ts';

const registry = defaultKinds();
const sdj = registry.lookup('ofelia.dev', 'v1alpha1', 'scheduleddockerjobs')!;
const asUser: WriteOptions = { dryRun: false, fieldManager: 'kubectl', fieldValidation: 'Strict' };

let store: MemoryObjectStore;
let hub: WatchHub;
let service: ResourceService;
let clock: FakeClock;
let transport: JobTransport;

beforeEach(async () => {
  store = new MemoryObjectStore();
  clock = new FakeClock(Date.UTC(2026, 0, 1));
  hub = new WatchHub(store, registry, 8);
  service = new ResourceService(store, hub, registry, clock);
  await service.ensureNamespaces(['default', 'ops']);
  transport = inProcessJobTransport({ access: inProcessAccess(service, hub, registry), clock });
});

const job = (name: string, schedule = '@hourly'): KubeObject => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name },
  spec: { schedule, run: { image: 'busybox' } },
});

const create = (namespace: string, name: string) => service.create(sdj, namespace, job(name), asUser);

let listed = 0;
function informer(namespace?: string): Informer<JobObject> & ObjectCache<JobObject> {
  return transport.informerFactory(jobsPath(namespace), transport.list(namespace), () => {
    listed++;
  });
}

/** Everything the informer reports, as `verb name`. */
function record(inf: Informer<JobObject>): string[] {
  const seen: string[] = [];
  for (const verb of ['add', 'update', 'delete'] as const)
    inf.on(verb, (o) => seen.push(`${verb} ${o.metadata?.namespace}/${o.metadata?.name}`));
  inf.on('error', (e) => seen.push(`error ${httpStatusOf(e) ?? String(e)}`));
  return seen;
}

test('list: every job of the namespace (or all), parsed, managedFields dropped, with the list resourceVersion', async () => {
  await create('default', 'a');
  await create('ops', 'b');
  const all = await transport.list()();
  assert.deepEqual(
    all.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
    ['default/a', 'ops/b'],
  );
  assert.equal(all.metadata?.resourceVersion, String(hub.currentResourceVersion()));
  assert.equal(all.kind, 'ScheduledDockerJobList');
  for (const o of all.items) assert.equal(o.metadata?.managedFields, undefined);
  const ops = await transport.list('ops')();
  assert.deepEqual(
    ops.items.map((o) => o.metadata?.name),
    ['b'],
  );
});

test('informer: lists, then hears creates, updates and deletes in order, on a later turn, without managedFields', async () => {
  await create('default', 'a');
  const inf = informer();
  const seen = record(inf);
  await inf.start();
  assert.deepEqual(seen, ['add default/a']);
  await create('ops', 'b');
  // Delivered on a later turn, not inside the writer's call.
  assert.deepEqual(seen, ['add default/a']);
  await settle();
  assert.deepEqual(seen, ['add default/a', 'add ops/b']);
  await service.patch(
    { kind: sdj, namespace: 'ops', name: 'b', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' } },
    asUser,
  );
  await service.delete(sdj, 'default', 'a', {}, false);
  await settle();
  assert.deepEqual(seen, ['add default/a', 'add ops/b', 'update ops/b', 'delete default/a']);
  const b = inf.get('b', 'ops');
  assert.equal((b!.spec as { schedule: string }).schedule, '@daily');
  assert.equal(b?.metadata?.managedFields, undefined);
  assert.equal(inf.get('a', 'default'), undefined);
  await inf.stop();
  await create('default', 'c');
  await settle();
  assert.equal(seen.length, 4, 'nothing after stop');
});

test('informer of one namespace hears only that namespace', async () => {
  const inf = informer('ops');
  const seen = record(inf);
  await inf.start();
  await create('default', 'a');
  await create('ops', 'b');
  await settle();
  assert.deepEqual(seen, ['add ops/b']);
  await inf.stop();
});

test('status patch: merged into status only, recorded under the operator field manager; 404 for a missing job', async () => {
  await create('default', 'a');
  await transport.statusPatch({ namespace: 'default', name: 'a' }, { lastResult: 'Succeeded' });
  const stored = service.get(sdj, 'default', 'a');
  assert.deepEqual((stored.status as { lastResult: string }).lastResult, 'Succeeded');
  const managers = (stored.metadata as { managedFields: { manager: string; subresource?: string }[] })
    .managedFields;
  assert.ok(managers.some((m) => m.manager === FIELD_MANAGER && m.subresource === 'status'));
  await assert.rejects(
    transport.statusPatch({ namespace: 'default', name: 'nope' }, { lastResult: 'Failed' }),
    (e) => isNotFound(e),
  );
});

test('status patch: the server gets its own copy of the patch (the writer may compose into it later)', async () => {
  await create('default', 'a');
  const patch = { counters: { succeeded: 1, failed: 0, missed: 0, skipped: 0 } };
  await transport.statusPatch({ namespace: 'default', name: 'a' }, patch);
  patch.counters.succeeded = 7;
  const stored = service.get(sdj, 'default', 'a');
  assert.equal((stored.status as { counters: { succeeded: number } }).counters.succeeded, 1);
});

test('status patch: an invalid status is a 422 with the field path, nothing stored', async () => {
  await create('default', 'a');
  const before = service.getStored(sdj, 'default', 'a').resourceVersion;
  await assert.rejects(
    transport.statusPatch({ namespace: 'default', name: 'a' }, { lastResult: 'Maybe' } as never),
    (e) => httpStatusOf(e) === 422 && /status\.lastResult/.test((e as Error).message + JSON.stringify(e)),
  );
  assert.equal(service.getStored(sdj, 'default', 'a').resourceVersion, before);
});

test('finalizers: added once, removed; a stale view of the list is a conflict-like 422, a gone job is fine', async () => {
  await create('default', 'a');
  const key = { namespace: 'default', name: 'a' };
  await transport.finalizers.add(key, undefined);
  const finalizers = () =>
    (service.get(sdj, 'default', 'a').metadata as { finalizers?: string[] }).finalizers;
  assert.deepEqual(finalizers(), ['ofelia.dev/cleanup']);
  // Someone else's finalizer arrived meanwhile: removing with the old view fails its `test`.
  await service.patch(
    { kind: sdj, namespace: 'default', name: 'a', subresource: undefined },
    'merge',
    { metadata: { finalizers: ['ofelia.dev/cleanup', 'example.com/other'] } },
    asUser,
  );
  await assert.rejects(
    transport.finalizers.remove(key, ['ofelia.dev/cleanup']),
    (e) => httpStatusOf(e) === 422,
  );
  await transport.finalizers.remove(key, ['ofelia.dev/cleanup', 'example.com/other']);
  assert.deepEqual(finalizers(), ['example.com/other']);
  await transport.finalizers.remove({ namespace: 'default', name: 'gone' }, ['ofelia.dev/cleanup']);
});

test('informer: a resume from a version older than the history re-lists (410), and the cache ends up right', async () => {
  await create('default', 'a');
  const inf = informer();
  const seen = record(inf);
  // Listed, then stopped: its version is kept, and a start resumes from it.
  await inf.start();
  await inf.stop();
  // More changes than the hub keeps (8): the informer's version is now too old.
  for (let i = 0; i < 12; i++) await create('default', `n${i}`);
  await service.delete(sdj, 'default', 'a', {}, false);
  await inf.start();
  await settle();
  assert.equal(inf.get('a', 'default'), undefined, 'the delete is seen through the re-list');
  assert.equal(inf.list().length, 12);
  assert.ok(seen.includes('delete default/a'));
  assert.ok(!seen.some((s) => s.startsWith('error')), seen.join(', '));
  await inf.stop();
});

test('informer: more undelivered events than the bound drop the watch; it resumes from the last delivered version and misses nothing', async () => {
  for (let i = 0; i < 2; i++) await create('default', `j${i}`);
  const turns: (() => void)[] = [];
  let watches = 0;
  const counting = {
    service,
    hub: {
      watch: (...args: Parameters<WatchHub['watch']>) => {
        watches++;
        return hub.watch(...args);
      },
    } as unknown as WatchHub,
  };
  const inf = new InProcessInformer<JobObject>({
    access: counting,
    kind: sdj,
    maxPending: 3,
    later: (fn) => turns.push(fn),
    onListed: () => listed++,
  });
  const seen = record(inf);
  const listedBefore = listed;
  await inf.start();
  assert.deepEqual(seen, ['add default/j0', 'add default/j1'], 'the list is told at once');
  // Six live events against a bound of three: the fourth drops the watch.
  for (let i = 0; i < 6; i++) await create('ops', `k${i}`);
  for (let turn = 0; turns.length && turn < 100; turn++) turns.shift()!();
  assert.equal(turns.length, 0, 'the informer came to rest');
  assert.equal(watches, 2, 'one watch dropped, one resumed');
  assert.equal(listed - listedBefore, 1, 'resumed from its version, not re-listed (the history had it)');
  assert.deepEqual(inf.keys().sort(), [
    'default/j0',
    'default/j1',
    'ops/k0',
    'ops/k1',
    'ops/k2',
    'ops/k3',
    'ops/k4',
    'ops/k5',
  ]);
  assert.equal(seen.filter((x) => x.startsWith('add')).length, 8, 'each object told once');
  assert.ok(!seen.some((x) => x.startsWith('error')), seen.join(', '));
  await inf.stop();
});

test('informer: get and list parse the version last delivered (never ahead of the handlers); stop ends deliveries', async () => {
  await create('default', 'a');
  const turns: (() => void)[] = [];
  const inf = new InProcessInformer<JobObject>({
    access: { service, hub },
    kind: sdj,
    later: (fn) => turns.push(fn),
  });
  const seen = record(inf);
  await inf.start();
  await service.patch(
    { kind: sdj, namespace: 'default', name: 'a', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' } },
    asUser,
  );
  const schedule = () => (inf.get('a', 'default')!.spec as { schedule: string }).schedule;
  assert.equal(schedule(), '@hourly', 'the update is not delivered yet');
  turns.shift()!();
  assert.equal(schedule(), '@daily');
  assert.notEqual(inf.get('a', 'default'), inf.get('a', 'default'), 'a fresh object per get');
  assert.equal(inf.size, 1);
  await create('default', 'b');
  await inf.stop();
  while (turns.length) turns.shift()!();
  assert.deepEqual(seen, ['add default/a', 'update default/a']);
  assert.equal(hub.watcherCount, 0);
});

test('informer: unknown verbs are refused, and a failing handler does not stop the others', async () => {
  const inf = informer();
  assert.throws(() => inf.on('bogus' as 'add', () => undefined), /Unknown verb/);
  const seen: string[] = [];
  inf.on('add', () => {
    throw new Error('handler bug');
  });
  inf.on('add', (o) => seen.push(o.metadata?.name ?? ''));
  await create('default', 'a');
  await inf.start();
  assert.deepEqual(seen, ['a']);
  await inf.stop();
});

test('a write that does not answer within the deadline fails with a timeout; the fake clock decides', async () => {
  const stuck = inProcessJobTransport({
    access: {
      service: { patch: () => new Promise(() => undefined) } as unknown as ResourceService,
      hub,
      kind: () => sdj,
    },
    clock,
    timeoutMs: 5_000,
  });
  let outcome: unknown;
  stuck.statusPatch({ namespace: 'default', name: 'a' }, { lastResult: 'Failed' }).catch((e) => {
    outcome = e;
  });
  await settle();
  assert.equal(outcome, undefined);
  clock.advance(5_000);
  await settle();
  assert.match(String(outcome), /status patch: no answer within 5000 ms/);
});

test('namespaceOfPath reads the informer paths', () => {
  assert.equal(namespaceOfPath('/apis/ofelia.dev/v1alpha1/scheduleddockerjobs'), undefined);
  assert.equal(namespaceOfPath('/apis/ofelia.dev/v1alpha1/namespaces/ops/scheduleddockerjobs'), 'ops');
});

test('informer: the object an add handler got is handed to the first get (no second parse), then dropped', async () => {
  await create('default', 'a');
  await create('default', 'b');
  const inf = informer();
  const added = new Map<string, JobObject>();
  inf.on('add', (o) => added.set(o.metadata?.name ?? '', o));
  await inf.start();
  const first = inf.get('a', 'default');
  assert.equal(first, added.get('a'), 'the first get takes the parsed add');
  assert.notEqual(inf.get('a', 'default'), first, 'later gets parse afresh');
  // Changed before anyone asked: the add's object is stale and is not handed out.
  await service.patch(
    { kind: sdj, namespace: 'default', name: 'b', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' } },
    asUser,
  );
  await settle();
  const b = inf.get('b', 'default');
  assert.notEqual(b, added.get('b'));
  assert.equal((b!.spec as { schedule: string }).schedule, '@daily');
  await inf.stop();
});
