import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';
import { OpenWatches } from '../../../../src/apiserver/watch/open-watches.ts';

const is429 = (e: unknown) => e instanceof ApiError && e.code === 429 && e.details?.retryAfterSeconds === 1;

test('a token past its own bound gets a 429 while other tokens still get watches', () => {
  const w = new OpenWatches({ maxWatches: 10, maxWatchesPerToken: 2 });
  w.admit('a');
  w.add('a', () => undefined);
  w.admit('a');
  w.add('a', () => undefined);
  assert.throws(() => w.admit('a'), is429);
  w.admit('b');
  assert.equal(w.size, 2);
});

test('the total bound holds over all tokens', () => {
  const w = new OpenWatches({ maxWatches: 3, maxWatchesPerToken: 3 });
  for (const t of ['a', 'b', 'c']) {
    w.admit(t);
    w.add(t, () => undefined);
  }
  assert.throws(() => w.admit('d'), is429);
});

test('endToken ends exactly the watches of that token, and frees their slots', () => {
  const w = new OpenWatches({ maxWatches: 10, maxWatchesPerToken: 2 });
  const ended: string[] = [];
  const endA1 = () => ended.push('a1');
  const endA2 = () => ended.push('a2');
  w.add('a', endA1);
  w.add('a', endA2);
  w.add('b', () => ended.push('b'));
  assert.equal(w.endToken('a'), 2);
  assert.deepEqual(ended.sort(), ['a1', 'a2']);
  assert.equal(w.size, 1);
  w.admit('a');
  assert.equal(w.endToken('a'), 0);
});

test('a watch that ends by itself is deleted once; endAll ends the rest', () => {
  const w = new OpenWatches({ maxWatches: 10, maxWatchesPerToken: 10 });
  let ended = 0;
  const end = () => ended++;
  w.add('a', end);
  w.add('a', end); // the same watch registered twice counts once
  assert.equal(w.size, 1);
  w.delete('a', end);
  w.delete('a', end);
  assert.equal(w.size, 0);
  w.add('a', end);
  w.add('b', end);
  w.endAll();
  assert.equal(ended, 2);
  assert.equal(w.size, 0);
});
