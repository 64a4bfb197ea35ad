import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cooldown } from '../../../src/notify/cooldown.ts';

const T0 = Date.UTC(2026, 0, 1);
const minute = 60_000;

test('cooldown: a repeat of the same kind within the window is held and counted in the next message for the job', () => {
  const c = new Cooldown(10 * minute);
  assert.deepEqual(c.admit('ns/a', 'Failed', T0), { send: true, suppressed: 0 });
  assert.deepEqual(c.admit('ns/a', 'Failed', T0 + minute), { send: false });
  assert.deepEqual(c.admit('ns/a', 'Failed', T0 + 2 * minute), { send: false });
  // Another kind is not held by Failed's window, and carries the count.
  assert.deepEqual(c.admit('ns/a', 'Recovered', T0 + 3 * minute), { send: true, suppressed: 2 });
  // Other jobs have their own window.
  assert.deepEqual(c.admit('ns/b', 'Failed', T0 + minute), { send: true, suppressed: 0 });
  // After the window the kind goes out again.
  assert.deepEqual(c.admit('ns/a', 'Failed', T0 + 10 * minute), { send: true, suppressed: 0 });
});

test('cooldown 0 lets everything through', () => {
  const c = new Cooldown(0);
  for (let i = 0; i < 3; i++) assert.deepEqual(c.admit('ns/a', 'Failed', T0), { send: true, suppressed: 0 });
});

test('cooldown remembers at most maxJobs jobs (least recently used forgotten)', () => {
  const c = new Cooldown(minute, 2);
  c.admit('a', 'Failed', T0);
  c.admit('b', 'Failed', T0);
  c.admit('c', 'Failed', T0);
  assert.deepEqual(c.admit('a', 'Failed', T0 + 1), { send: true, suppressed: 0 }, 'a was forgotten');
  assert.deepEqual(c.admit('c', 'Failed', T0 + 1), { send: false });
});
