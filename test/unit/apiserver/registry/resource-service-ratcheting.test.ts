/**
 * Validation ratcheting on update: an object stored before a rule was tightened (so invalid under
 * today's rules) can still be updated as long as the invalid value is left unchanged — status
 * writes, labels, finalizers — while changing it to another invalid value, or adding a new error,
 * is a 422. Creates are always validated in full.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { type KubeObject, objectKey } from '../../../../src/apiserver/kinds/kind.ts';
import { defaultKinds } from '../../../../src/apiserver/kinds/served-kinds.ts';
import {
  ratchetCauses,
  valueAtFieldPath,
  withVersion,
} from '../../../../src/apiserver/registry/object-rules.ts';
import { ResourceService, type WriteOptions } from '../../../../src/apiserver/registry/resource-service.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';
import { WatchHub } from '../../../../src/apiserver/watch/watch-hub.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { MemoryObjectStore } from '../../../helpers/memory-object-store.ts';

const registry = defaultKinds();
const sdj = registry.lookup('ofelia.dev', 'v1alpha1', 'scheduleddockerjobs')!;
const write: WriteOptions = { dryRun: false, fieldManager: 'test', fieldValidation: 'Strict' };
const KEY = objectKey(sdj, 'ops', 'old');

let store: MemoryObjectStore;
let svc: ResourceService;

/** A job created valid, then given a schedule that never fires, as stored by an older version. */
beforeEach(async () => {
  store = new MemoryObjectStore();
  svc = new ResourceService(store, new WatchHub(store, registry, 5), registry, new FakeClock());
  await svc.ensureNamespaces(['ops']);
  const created = await svc.create(
    sdj,
    'ops',
    { metadata: { name: 'old' }, spec: { schedule: '@hourly', run: { image: 'busybox' } } },
    write,
  );
  const invalid = structuredClone(created.object);
  (invalid.spec as Record<string, unknown>).schedule = '0 0 30 2 *';
  await store.put(KEY, (rv) => withVersion(invalid, rv), {
    expectedResourceVersion: store.get(KEY)!.resourceVersion,
  });
});

const stored = () => store.get(KEY)!.object();
const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
const invalidAt = (field: string) => (e: unknown) => {
  assert.ok(e instanceof ApiError, String(e));
  assert.equal(e.code, 422, e.message);
  assert.deepEqual(
    e.details?.causes?.map((c) => c.field),
    [field],
  );
  return true;
};

test('status writes, labels, finalizers and their removal work on an object invalid under today rules', async () => {
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'old', subresource: 'status' },
    'merge',
    { status: { lastResult: 'Failed' } },
    write,
  );
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
    'merge',
    { metadata: { labels: { team: 'ops' }, finalizers: ['f'] } },
    write,
  );
  assert.deepEqual(stored().status, { lastResult: 'Failed' });
  assert.equal(spec(stored()).schedule, '0 0 30 2 *', 'kept as stored');
  assert.equal((stored().metadata as { generation: number }).generation, 1, 'spec unchanged');
  assert.equal((await svc.delete(sdj, 'ops', 'old', {}, false)).code, 202);
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
    'merge',
    { metadata: { finalizers: null } },
    write,
  );
  assert.equal(store.get(KEY), undefined);
});

test('a spec change that keeps the invalid value is kept; one that changes it to another invalid value is 422', async () => {
  await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
    'merge',
    { spec: { suspend: true } },
    write,
  );
  assert.equal(spec(stored()).suspend, true);
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
      'merge',
      { spec: { schedule: '0 0 31 2 *' } },
      write,
    ),
    invalidAt('spec.schedule'),
  );
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
      'merge',
      { spec: { timeZone: 'Mars/Olympus' } },
      write,
    ),
    invalidAt('spec.timeZone'),
    'a new error is not ratcheted',
  );
  await assert.rejects(
    svc.patch(
      { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
      'json',
      [{ op: 'remove', path: '/spec/schedule' }],
      write,
    ),
    invalidAt('spec.schedule'),
    'removing the field is not keeping it',
  );
  const fixed = await svc.patch(
    { kind: sdj, namespace: 'ops', name: 'old', subresource: undefined },
    'merge',
    { spec: { schedule: '@daily' } },
    write,
  );
  assert.equal(spec(fixed.object).schedule, '@daily');
  assert.equal((fixed.object.metadata as { generation: number }).generation, 3);
});

test('a create of the same invalid object is refused (ratcheting is for updates only)', async () => {
  const body = structuredClone(stored());
  (body.metadata as Record<string, unknown>).name = 'new';
  await assert.rejects(svc.create(sdj, 'ops', body, write), invalidAt('spec.schedule'));
});

test('valueAtFieldPath follows the field paths of validation causes', () => {
  const obj = { spec: { run: { env: [{ name: 'A' }, { name: 'B' }] }, m: [[1, 2]] } };
  const cases: [string, unknown][] = [
    ['spec.run.env[1].name', 'B'],
    ['spec.run.env[2].name', undefined],
    ['spec.run.env', [{ name: 'A' }, { name: 'B' }]],
    ['spec.m[0][1]', 2],
    ['spec.run.env.name', undefined],
    ['', undefined],
    ['<object>', undefined],
    ['spec.nope.x', undefined],
  ];
  for (const [path, want] of cases) assert.deepEqual(valueAtFieldPath(obj, path), want, path);
});

test('ratchetCauses drops only causes whose field holds the same value before and after', () => {
  const cause = (field: string) => ({ reason: 'FieldValueInvalid', field, message: 'Invalid value' });
  const before = { spec: { a: 1, b: 2 } };
  const after = { spec: { a: 1, b: 3 } };
  assert.deepEqual(
    ratchetCauses([cause('spec.a'), cause('spec.b'), cause('spec.c'), cause('')], before, after).map(
      (c) => c.field,
    ),
    ['spec.b', 'spec.c', ''],
  );
});
