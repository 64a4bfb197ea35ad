/**
 * pruneNulls: nulls dropped from objects at any depth (as an API server prunes non-nullable
 * fields), array items kept; a value without nulls is returned as it is, and the input is never
 * changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pruneNulls } from '../../../src/api/validate.ts';

test('pruneNulls: a value without nulls is returned as it is (no copy)', () => {
  const job = { spec: { schedule: '@hourly', run: { image: 'x', env: [{ name: 'A', value: '1' }] } } };
  assert.equal(pruneNulls(job, 0), job);
  const list = [1, 'two', { three: 3 }];
  assert.equal(pruneNulls(list, 0), list);
});

test('pruneNulls: nulls in objects are dropped at any depth; only the changed path is copied', () => {
  const untouched = { image: 'x' };
  const input = {
    spec: { retry: null, run: untouched, nested: { a: 1, b: null, c: [{ d: null, e: 2 }] } },
    kind: 'K',
  };
  const before = JSON.stringify(input);
  const out = pruneNulls(input, 0) as Record<string, Record<string, unknown>>;
  assert.deepEqual(out, { spec: { run: { image: 'x' }, nested: { a: 1, c: [{ e: 2 }] } }, kind: 'K' });
  assert.equal(JSON.stringify(input), before, 'the input is never changed');
  assert.notEqual(out, input);
  assert.equal(out.spec!.run, untouched, 'a branch without nulls is shared, not copied');
});

test('pruneNulls: null array items are kept (only object properties are pruned)', () => {
  const input = [null, { a: null }, 3];
  assert.deepEqual(pruneNulls(input, 0), [null, {}, 3]);
  assert.deepEqual(input, [null, { a: null }, 3]);
});

test('pruneNulls: key order is kept when a copy is made', () => {
  const out = pruneNulls({ z: 1, y: null, x: 2 }, 0);
  assert.deepEqual(Object.keys(out as object), ['z', 'x']);
});
