import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch } from '../../../src/util/merge-patch.ts';

// The examples of RFC 7386, appendix A, plus the cases the server leans on.
const cases: { name: string; target: unknown; patch: unknown; want: unknown }[] = [
  { name: 'replace a value', target: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'add a key', target: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null removes', target: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'null removes one of two', target: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'arrays replace', target: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'scalar to array', target: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  {
    name: 'nested merge and delete',
    target: { a: { b: 'c' } },
    patch: { a: { b: 'd', c: null } },
    want: { a: { b: 'd' } },
  },
  {
    name: 'array of objects replaced whole',
    target: { a: [{ b: 'c' }] },
    patch: { a: [1] },
    want: { a: [1] },
  },
  { name: 'array patch replaces target', target: ['a', 'b'], patch: ['c', 'd'], want: ['c', 'd'] },
  { name: 'object patch over array', target: ['a'], patch: { a: 'b' }, want: { a: 'b' } },
  { name: 'scalar patch over object', target: { a: 'foo' }, patch: null, want: null },
  { name: 'string patch', target: { a: 'foo' }, patch: 'bar', want: 'bar' },
  {
    name: 'null values inside new object are dropped',
    target: { e: null },
    patch: { a: 1 },
    want: { e: null, a: 1 },
  },
  {
    name: 'patch with nested null creates nothing',
    target: {},
    patch: { a: { bb: { ccc: null } } },
    want: { a: { bb: {} } },
  },
  { name: 'empty patch is identity', target: { a: 1 }, patch: {}, want: { a: 1 } },
];

for (const c of cases) {
  test(`merge patch: ${c.name}`, () => {
    const before = structuredClone(c.target);
    assert.deepEqual(applyMergePatch(c.target, c.patch), c.want);
    assert.deepEqual(c.target, before, 'the target must not be mutated');
  });
}
