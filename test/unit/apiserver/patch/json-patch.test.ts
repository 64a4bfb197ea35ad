import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJsonPatch, JsonPatchError } from '../../../../src/apiserver/patch/json-patch.ts';

// Mostly from RFC 6902 appendix A.
const ok: { name: string; doc: unknown; patch: unknown[]; want: unknown }[] = [
  {
    name: 'add an object member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    want: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'add an array element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    want: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'append with -',
    doc: { foo: [1] },
    patch: [{ op: 'add', path: '/foo/-', value: 2 }],
    want: { foo: [1, 2] },
  },
  {
    name: 'remove an object member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    want: { foo: 'bar' },
  },
  {
    name: 'remove an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    want: { foo: ['bar', 'baz'] },
  },
  {
    name: 'replace a value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    want: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'replace an array element',
    doc: { a: [1, 2, 3] },
    patch: [{ op: 'replace', path: '/a/1', value: 9 }],
    want: { a: [1, 9, 3] },
  },
  {
    name: 'move a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'move an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    want: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'copy',
    doc: { a: { b: 1 } },
    patch: [{ op: 'copy', from: '/a', path: '/c' }],
    want: { a: { b: 1 }, c: { b: 1 } },
  },
  {
    name: 'test success then change',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
      { op: 'add', path: '/x', value: 1 },
    ],
    want: { baz: 'qux', foo: ['a', 2, 'c'], x: 1 },
  },
  {
    name: 'escaped pointer tokens',
    doc: { 'a/b': 1, 'm~n': 2 },
    patch: [
      { op: 'replace', path: '/a~1b', value: 3 },
      { op: 'remove', path: '/m~0n' },
    ],
    want: { 'a/b': 3 },
  },
  {
    name: 'test compares objects structurally',
    doc: { a: { x: 1, y: 2 } },
    patch: [{ op: 'test', path: '/a', value: { y: 2, x: 1 } }],
    want: { a: { x: 1, y: 2 } },
  },
  {
    name: 'replace the whole document',
    doc: { a: 1 },
    patch: [{ op: 'replace', path: '', value: { b: 2 } }],
    want: { b: 2 },
  },
];

for (const c of ok) {
  test(`json patch: ${c.name}`, () => {
    const before = structuredClone(c.doc);
    assert.deepEqual(applyJsonPatch(c.doc, c.patch), c.want);
    assert.deepEqual(c.doc, before, 'the document must not be mutated');
  });
}

const failing: { name: string; doc: unknown; patch: unknown }[] = [
  { name: 'test failure', doc: { baz: 'qux' }, patch: [{ op: 'test', path: '/baz', value: 'bar' }] },
  { name: 'add to a missing parent', doc: { q: { bar: 2 } }, patch: [{ op: 'add', path: '/a/b', value: 1 }] },
  { name: 'remove a missing member', doc: { a: 1 }, patch: [{ op: 'remove', path: '/b' }] },
  { name: 'replace a missing member', doc: { a: 1 }, patch: [{ op: 'replace', path: '/b', value: 1 }] },
  { name: 'index out of range', doc: { a: [1] }, patch: [{ op: 'add', path: '/a/5', value: 1 }] },
  { name: 'leading zero index', doc: { a: [1, 2] }, patch: [{ op: 'remove', path: '/a/01' }] },
  { name: 'unknown op', doc: {}, patch: [{ op: 'frobnicate', path: '/a' }] },
  { name: 'not an array', doc: {}, patch: { op: 'add', path: '/a', value: 1 } },
  { name: 'pointer without slash', doc: { a: 1 }, patch: [{ op: 'remove', path: 'a' }] },
  { name: 'move into own child', doc: { a: { b: {} } }, patch: [{ op: 'move', from: '/a', path: '/a/b/c' }] },
];

for (const c of failing) {
  test(`json patch fails: ${c.name}`, () => {
    assert.throws(() => applyJsonPatch(c.doc, c.patch), JsonPatchError);
  });
}

test('json patch: a failed test op leaves nothing half-applied', () => {
  const doc = { a: 1 };
  assert.throws(() =>
    applyJsonPatch(doc, [
      { op: 'replace', path: '/a', value: 2 },
      { op: 'test', path: '/a', value: 3 },
    ]),
  );
  assert.deepEqual(doc, { a: 1 });
});
