import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfMatches, SessionStore } from '../../../src/dashboard/sessions.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const HOUR = 3600_000;

test('a session holds the token and a CSRF token; ids and CSRF tokens are long and distinct', () => {
  const store = new SessionStore({ clock: new FakeClock() });
  const a = store.create('token-a');
  const b = store.create('token-b');
  assert.equal(store.get(a.id)?.token, 'token-a');
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.csrf, a.id);
  assert.ok(a.id.length >= 43 && a.csrf.length >= 43);
  assert.equal(store.get('nope'), undefined);
  assert.equal(store.get(undefined), undefined);
});

test('idle timeout, absolute lifetime, logout', () => {
  const clock = new FakeClock();
  const store = new SessionStore({ clock, idleMs: 1 * HOUR, lifetimeMs: 3 * HOUR });
  const s = store.create('t');
  clock.set(clock.now() + 50 * 60_000);
  assert.ok(store.get(s.id), 'used within the idle time');
  clock.set(clock.now() + 50 * 60_000);
  assert.ok(store.get(s.id), 'idle time counts from the last use');
  clock.set(clock.now() + 61 * 60_000);
  assert.equal(store.get(s.id), undefined, 'idle too long');
  const long = store.create('t');
  for (let i = 0; i < 7; i++) {
    clock.set(clock.now() + 30 * 60_000);
    store.get(long.id);
  }
  assert.equal(store.get(long.id), undefined, 'past the absolute lifetime despite use');
  const out = store.create('t');
  store.delete(out.id);
  assert.equal(store.get(out.id), undefined);
});

test('bounded: the least recently used session goes first', () => {
  const store = new SessionStore({ clock: new FakeClock(), maxSessions: 3 });
  const [a, b, c] = [store.create('a'), store.create('b'), store.create('c')];
  store.get(a.id); // a is now the most recently used
  store.create('d');
  assert.equal(store.size, 3);
  assert.equal(store.get(b.id), undefined, 'b was the least recently used');
  assert.ok(store.get(a.id) && store.get(c.id));
});

test('csrfMatches compares the whole token', () => {
  const s = new SessionStore({ clock: new FakeClock() }).create('t');
  assert.equal(csrfMatches(s, s.csrf), true);
  assert.equal(csrfMatches(s, undefined), false);
  assert.equal(csrfMatches(s, ''), false);
  assert.equal(csrfMatches(s, s.csrf.slice(0, -1)), false);
  assert.equal(csrfMatches(s, `${s.csrf.slice(0, -1)}${s.csrf.endsWith('A') ? 'B' : 'A'}`), false);
});
