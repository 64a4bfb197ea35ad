import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
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

test('merge patch: a __proto__ member is merged as an own property, never as the prototype', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
  const out = applyMergePatch({ b: 2 }, patch) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ['b', '__proto__', 'a']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: true });
});

test('merge patch: keeps the target key order, patched keys in place, new keys last', () => {
  const out = applyMergePatch({ a: 1, b: 2, c: 3 }, { b: 20, d: 4, a: null });
  assert.deepEqual(Object.keys(out), ['b', 'c', 'd']);
});

// The controller keeps each job's status as a chain of merge results; objects that share V8's
// hidden classes cost their properties only, a hidden class per object costs about 400 bytes.
// `%HaveSameMap` is V8's own answer (natives syntax, enabled for this function only).
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
const hasFastProperties = new Function('a', 'return %HasFastProperties(a)') as (a: object) => boolean;

test('merge patch: results of the same patch chain share hidden classes and stay fast', () => {
  const statusAfterPatches = (i: number) => {
    let status: Record<string, unknown> = applyMergePatch({}, { owner: 'node-a' });
    status = applyMergePatch(status, {
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True' }],
      nextScheduleTime: `2027-01-01T00:00:0${i % 10}.000Z`,
    });
    status = applyMergePatch(status, { counters: { succeeded: i, failed: 0 }, nextScheduleTime: 'later' });
    return applyMergePatch(status, { owner: null });
  };
  const a = statusAfterPatches(1);
  const b = statusAfterPatches(2);
  assert.deepEqual(Object.keys(a), ['observedGeneration', 'conditions', 'nextScheduleTime', 'counters']);
  assert.ok(haveSameMap(a, b), 'two statuses built by the same patches share one hidden class');
  assert.ok(haveSameMap(a.counters as object, b.counters as object));
  assert.ok(hasFastProperties(a), 'a deleted key does not turn the result into a dictionary');
});
