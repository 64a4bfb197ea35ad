import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyConfiguration,
  fromFieldsV1,
  leafPaths,
  type ManagedFieldsEntry,
  type OwnershipChange,
  pathKey,
  recordUpdate,
  removeAt,
  toFieldsV1,
} from '../../../../src/apiserver/patch/managed-fields.ts';

const T = '2026-01-01T00:00:00Z';
const who = (
  manager: string,
  operation: 'Apply' | 'Update' = 'Apply',
  subresource?: string,
): OwnershipChange => {
  const w: OwnershipChange = { manager, operation, apiVersion: 'ofelia.dev/v1alpha1', time: T };
  if (subresource) w.subresource = subresource;
  return w;
};
const owned = (entries: ManagedFieldsEntry[], manager: string, operation = 'Apply') =>
  [...fromFieldsV1(entries.find((e) => e.manager === manager && e.operation === operation)?.fieldsV1)]
    .map((p) => p.split('\u0000').join('.'))
    .sort();

test('leaf paths skip server-owned metadata and status (main scope) and treat arrays as atomic', () => {
  const obj = {
    apiVersion: 'v',
    kind: 'K',
    metadata: { name: 'a', uid: 'u', resourceVersion: '1', labels: { x: 'y' }, annotations: {} },
    spec: { schedule: 's', run: { command: ['a', 'b'] } },
    status: { lastResult: 'Succeeded' },
  };
  const main = [...leafPaths(obj, 'main')].map((p) => p.split('\u0000').join('.')).sort();
  assert.deepEqual(main, ['metadata.annotations', 'metadata.labels.x', 'spec.run.command', 'spec.schedule']);
  const status = [...leafPaths(obj, 'status')].map((p) => p.split('\u0000').join('.'));
  assert.deepEqual(status, ['status.lastResult']);
});

test('FieldsV1 round trip, with "." markers and foreign k: steps tolerated', () => {
  const paths = [pathKey(['spec', 'schedule']), pathKey(['metadata', 'labels', 'a/b'])];
  const v1 = toFieldsV1(paths);
  assert.deepEqual(v1, { 'f:spec': { 'f:schedule': {} }, 'f:metadata': { 'f:labels': { 'f:a/b': {} } } });
  assert.deepEqual([...fromFieldsV1(v1)].sort(), [...paths].sort());
  const foreign = fromFieldsV1({
    'f:spec': { '.': {}, 'f:x': {} },
    'f:list': { 'k:{"name":"a"}': { '.': {} } },
  });
  assert.deepEqual([...foreign].map((p) => p.split('\u0000').join('.')).sort(), [
    'list.k:{"name":"a"}',
    'spec.x',
  ]);
});

test('removeAt prunes the maps it empties but keeps top-level fields', () => {
  const o = { spec: { run: { labels: { a: '1' } }, schedule: 'x' } };
  removeAt(o, pathKey(['spec', 'run', 'labels', 'a']));
  assert.deepEqual(o, { spec: { schedule: 'x' } });
  const p = { spec: { a: 1 } };
  removeAt(p, pathKey(['spec', 'a']));
  assert.deepEqual(p, { spec: {} });
});

test('an update takes the fields it changed from other managers and drops removed ones', () => {
  const before = { spec: { schedule: 'a', suspend: false, image: 'x' } };
  let entries = recordUpdate([], who('creator', 'Update'), {}, before, 'main');
  assert.deepEqual(owned(entries, 'creator', 'Update'), ['spec.image', 'spec.schedule', 'spec.suspend']);
  const after = { spec: { schedule: 'b', suspend: false } };
  entries = recordUpdate(entries, who('editor', 'Update'), before, after, 'main');
  assert.deepEqual(owned(entries, 'creator', 'Update'), ['spec.suspend']);
  assert.deepEqual(owned(entries, 'editor', 'Update'), ['spec.schedule']);
});

test('an update that changes nothing leaves the entries (and their times) alone', () => {
  const obj = { spec: { a: 1 } };
  const entries = recordUpdate([], who('m', 'Update'), {}, obj, 'main');
  assert.deepEqual(
    recordUpdate(entries, { ...who('other', 'Update'), time: 'later' }, obj, structuredClone(obj), 'main'),
    entries,
  );
});

test('a status update is recorded with its subresource and does not touch main-resource owners', () => {
  const before = { spec: { a: 1 }, status: { x: 1 } };
  let entries = recordUpdate([], who('user', 'Update'), {}, before, 'main');
  entries = recordUpdate(
    entries,
    who('controller', 'Update', 'status'),
    before,
    { spec: { a: 1 }, status: { x: 2 } },
    'status',
  );
  assert.deepEqual(owned(entries, 'user', 'Update'), ['spec.a']);
  const status = entries.find((e) => e.manager === 'controller')!;
  assert.equal(status.subresource, 'status');
  assert.deepEqual(status.fieldsV1, { 'f:status': { 'f:x': {} } });
});

test('apply: a different value owned by another manager is a conflict naming manager and field', () => {
  const current = { spec: { schedule: 'a', image: 'x' } };
  const entries = recordUpdate([], who('kubectl-client-side-apply', 'Update'), {}, current, 'main');
  const r = applyConfiguration(entries, who('kubectl'), current, { spec: { schedule: 'b' } }, false, 'main');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(r.conflicts, [
      { manager: 'kubectl-client-side-apply', apiVersion: 'ofelia.dev/v1alpha1', field: '.spec.schedule' },
    ]);
  }
});

test('apply: the same value is shared ownership, not a conflict', () => {
  const current = { spec: { schedule: 'a' } };
  const entries = recordUpdate([], who('other', 'Update'), {}, current, 'main');
  const r = applyConfiguration(entries, who('me'), current, { spec: { schedule: 'a' } }, false, 'main');
  assert.ok(r.ok);
  if (r.ok) {
    assert.deepEqual(owned(r.entries, 'other', 'Update'), ['spec.schedule']);
    assert.deepEqual(owned(r.entries, 'me'), ['spec.schedule']);
  }
});

test('apply with force takes the field away from the other manager', () => {
  const current = { spec: { schedule: 'a', image: 'x' } };
  const entries = recordUpdate([], who('other', 'Update'), {}, current, 'main');
  const r = applyConfiguration(entries, who('me'), current, { spec: { schedule: 'b' } }, true, 'main');
  assert.ok(r.ok);
  if (r.ok) {
    assert.deepEqual(r.object, { spec: { schedule: 'b', image: 'x' } });
    assert.deepEqual(owned(r.entries, 'other', 'Update'), ['spec.image']);
    assert.deepEqual(owned(r.entries, 'me'), ['spec.schedule']);
  }
});

test('apply: a field dropped from the manifest is removed unless another manager owns it', () => {
  let object: Record<string, unknown> = {};
  let entries: ManagedFieldsEntry[] = [];
  const step = (manager: string, applied: Record<string, unknown>) => {
    const r = applyConfiguration(entries, who(manager), object, applied, false, 'main');
    assert.ok(r.ok);
    if (r.ok) {
      object = r.object;
      entries = r.entries;
    }
  };
  step('a', { spec: { schedule: 's', suspend: true, labels: { x: '1' } } });
  step('b', { spec: { labels: { x: '1' } } });
  step('a', { spec: { schedule: 's' } });
  // suspend: only a owned it -> gone; labels.x: b co-owns it -> kept.
  assert.deepEqual(object, { spec: { schedule: 's', labels: { x: '1' } } });
  assert.deepEqual(owned(entries, 'a'), ['spec.schedule']);
  assert.deepEqual(owned(entries, 'b'), ['spec.labels.x']);
});

test('apply replaces arrays whole (atomic lists)', () => {
  const current = { spec: { command: ['a', 'b', 'c'] } };
  const r = applyConfiguration([], who('me'), current, { spec: { command: ['z'] } }, false, 'main');
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual(r.object, { spec: { command: ['z'] } });
});

test('a manager never conflicts with its own Update entry', () => {
  const current = { spec: { schedule: 'a' } };
  const entries = recordUpdate([], who('me', 'Update'), {}, current, 'main');
  const r = applyConfiguration(entries, who('me'), current, { spec: { schedule: 'b' } }, false, 'main');
  assert.ok(r.ok);
});
