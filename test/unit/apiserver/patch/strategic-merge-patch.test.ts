import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyStrategicMergePatch,
  StrategicMergePatchError,
} from '../../../../src/apiserver/patch/strategic-merge-patch.ts';

const cases: { name: string; target: unknown; patch: unknown; want: unknown }[] = [
  {
    name: 'maps merge like a merge patch',
    target: { data: { a: '1', b: '2' } },
    patch: { data: { b: null, c: '3' } },
    want: { data: { a: '1', c: '3' } },
  },
  {
    name: 'finalizers are a merged set (patch order first)',
    target: { metadata: { finalizers: ['a', 'b'] } },
    patch: { metadata: { finalizers: ['c', 'a'] } },
    want: { metadata: { finalizers: ['c', 'a', 'b'] } },
  },
  {
    name: '$deleteFromPrimitiveList removes values, $setElementOrder is ignored',
    target: { metadata: { finalizers: ['a', 'b', 'c'] } },
    patch: {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['b'], '$setElementOrder/finalizers': ['a', 'c'] },
    },
    want: { metadata: { finalizers: ['a', 'c'] } },
  },
  {
    name: 'other lists are replaced',
    target: { items: [1, 2] },
    patch: { items: [3] },
    want: { items: [3] },
  },
  {
    name: '$patch: replace swaps the map',
    target: { data: { a: '1' } },
    patch: { data: { $patch: 'replace', b: '2' } },
    want: { data: { b: '2' } },
  },
  {
    name: '$patch: delete removes the map',
    target: { data: { a: '1' }, x: 1 },
    patch: { data: { $patch: 'delete' } },
    want: { x: 1 },
  },
  {
    name: '$retainKeys keeps only the listed keys',
    target: { spec: { a: 1, b: 2, c: 3 } },
    patch: { spec: { $retainKeys: ['a', 'c'], c: 4 } },
    want: { spec: { a: 1, c: 4 } },
  },
];

for (const c of cases) {
  test(`strategic merge patch: ${c.name}`, () => {
    const before = structuredClone(c.target);
    assert.deepEqual(applyStrategicMergePatch(c.target, c.patch), c.want);
    assert.deepEqual(c.target, before);
  });
}

for (const bad of [
  [1],
  { $patch: 'merge-ish' },
  { $unknown: 1 },
  { metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } },
]) {
  test(`strategic merge patch refuses ${JSON.stringify(bad)}`, () => {
    assert.throws(() => applyStrategicMergePatch({}, bad), StrategicMergePatchError);
  });
}
