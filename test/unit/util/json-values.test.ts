import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clone, jsonEqual } from '../../../src/util/json-values.ts';

test('clone: a deep copy that shares nothing with the original', () => {
  const v = { a: [1, { b: 'x' }, null], c: { d: true, e: 2.5 }, f: '' };
  const c = clone(v);
  assert.deepEqual(c, v);
  assert.ok(jsonEqual(c, v));
  (c.a[1] as { b: string }).b = 'changed';
  c.c.d = false;
  assert.equal((v.a[1] as { b: string }).b, 'x');
  assert.equal(v.c.d, true);
  assert.equal(clone(null), null);
  assert.equal(clone('s'), 's');
});

test('clone: an own __proto__ key (as JSON.parse makes it) stays data, never a prototype', () => {
  const parsed = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Record<string, unknown>;
  const c = clone(parsed);
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.equal((c as { polluted?: unknown }).polluted, undefined);
  assert.deepEqual(Object.keys(c), ['__proto__', 'x']);
  assert.equal(JSON.stringify(c), JSON.stringify(parsed));
});
