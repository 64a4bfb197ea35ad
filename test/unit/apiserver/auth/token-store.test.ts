import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, mock, test } from 'node:test';
import { TokenFileError, TokenInputError, TokenLimitError } from '../../../../src/apiserver/auth/errors.ts';
import { type CreatedToken, TOKEN_FILE, TokenStore } from '../../../../src/apiserver/auth/token-store.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const root = mkdtempSync(join(tmpdir(), 'token-store-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);
const HOUR = 3600 * 1000;

async function open(dir = freshDir(), clock = new FakeClock(), extra: { maxTokens?: number } = {}) {
  const store = await TokenStore.open({ dir, clock, ...extra });
  return { store, clock, dir };
}

test('a created token authenticates; its secret is shown once and stored only as a sha256', async () => {
  const { store, dir } = await open();
  const created = await store.create({ name: 'ci', ttlSeconds: 3600 });
  assert.match(created.token, /^ofo_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.ok(created.token.includes(created.id));
  assert.deepEqual(store.authenticate(created.token), { tokenId: created.id, name: 'ci' });
  const file = readFileSync(join(dir, TOKEN_FILE), 'utf8');
  assert.equal(file.includes(created.token.slice(21)), false, 'the secret is not in the file');
  const sha = crypto.createHash('sha256').update(created.token).digest('hex');
  assert.ok(file.includes(sha));
  assert.deepEqual(Object.keys(store.list()[0]!).sort(), ['createdAt', 'expiresAt', 'id', 'name']);
  store.close();
});

const refused: { name: string; bearer: (good: string) => string | undefined }[] = [
  { name: 'missing header', bearer: () => undefined },
  { name: 'empty', bearer: () => '' },
  { name: 'wrong secret, right id', bearer: (g) => `${g.slice(0, -4)}AAAA` },
  { name: 'unknown id', bearer: (g) => `ofo_ffffffffffffffff${g.slice(20)}` },
  { name: 'truncated', bearer: (g) => g.slice(0, -1) },
  { name: 'no prefix', bearer: (g) => g.slice(4) },
  { name: 'trailing space', bearer: (g) => `${g} ` },
];
for (const c of refused) {
  test(`authenticate refuses: ${c.name}`, async () => {
    const { store } = await open();
    const good = (await store.create({ name: 'x' })).token;
    assert.equal(store.authenticate(c.bearer(good)), undefined);
    store.close();
  });
}

test('comparison is constant-time: timingSafeEqual on hashes for hits, wrong secrets and unknown ids', async () => {
  const { store } = await open();
  const good = (await store.create({ name: 'x' })).token;
  const spy = mock.method(crypto, 'timingSafeEqual');
  try {
    store.authenticate(good);
    store.authenticate(`${good.slice(0, -4)}AAAA`);
    store.authenticate('ofo_ffffffffffffffff_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(spy.mock.callCount(), 3);
    for (const call of spy.mock.calls) {
      assert.equal((call.arguments[0] as Buffer).length, 32);
      assert.equal((call.arguments[1] as Buffer).length, 32);
    }
  } finally {
    spy.mock.restore();
  }
  store.close();
});

test('expiry: refused from the expiry instant, default TTL 30 days, ttl 0 never expires', async () => {
  const { store, clock } = await open();
  const hour = await store.create({ name: 'short', ttlSeconds: 3600 });
  const dflt = await store.create({ name: 'default' });
  const forever = await store.create({ name: 'forever', ttlSeconds: 0 });
  assert.equal(forever.expiresAt, null);
  assert.equal(Date.parse(dflt.expiresAt!) - Date.parse(dflt.createdAt), 30 * 24 * HOUR);
  clock.set(clock.now() + HOUR - 1);
  assert.ok(store.authenticate(hour.token));
  clock.set(clock.now() + 1);
  assert.equal(store.authenticate(hour.token), undefined);
  clock.set(clock.now() + 400 * 24 * HOUR);
  assert.equal(store.authenticate(dflt.token), undefined);
  assert.ok(store.authenticate(forever.token));
  store.close();
});

test('sweep: one timer for many tokens, armed at the nearest expiry; expired tokens leave the file', async () => {
  const { store, clock, dir } = await open();
  const ttls = [7200, 600, 3600, 0, 1800];
  const made: CreatedToken[] = [];
  for (const ttlSeconds of ttls) made.push(await store.create({ name: `t${ttlSeconds}`, ttlSeconds }));
  assert.equal(clock.pending, 1, 'a single sweep timer');
  clock.advance(600 * 1000);
  await waitFor(
    () => !readFileSync(join(dir, TOKEN_FILE), 'utf8').includes(made[1]!.id) && clock.pending === 1,
  );
  assert.deepEqual(
    store
      .list()
      .map((t) => t.name)
      .sort(),
    ['t0', 't1800', 't3600', 't7200'],
  );
  clock.advance(7200 * 1000);
  await waitFor(() => store.list().length === 1 && clock.pending === 0);
  assert.deepEqual(
    store.list().map((t) => t.name),
    ['t0'],
  );
  store.close();
});

test('sweep delay is capped, so a 30-day expiry re-checks hourly instead of overflowing a timer', async () => {
  const { store, clock } = await open();
  await store.create({ name: 'long', ttlSeconds: 90 * 24 * 3600 });
  assert.equal(clock.pending, 1);
  clock.advance(HOUR - 1);
  assert.equal(clock.pending, 1);
  clock.advance(1);
  assert.equal(clock.pending, 1, 're-armed after a sweep with nothing to remove');
  store.close();
  assert.equal(clock.pending, 0, 'close clears the timer');
});

test('the cap on live tokens refuses creation clearly; revoking makes room', async () => {
  const { store } = await open(undefined, undefined, { maxTokens: 3 });
  for (let i = 0; i < 3; i++) await store.create({ name: `t${i}` });
  await assert.rejects(store.create({ name: 'one-more' }), (e: unknown) => {
    assert.ok(e instanceof TokenLimitError);
    assert.equal(e.reason, 'TokenLimitReached');
    assert.match(e.message, /3 live tokens already exist/);
    return true;
  });
  await store.revoke('t0');
  await store.create({ name: 'one-more' });
  store.close();
});

test('revoke by id or by name (all tokens of that name); revoked tokens are refused', async () => {
  const { store } = await open();
  const a = await store.create({ name: 'kubeconfig' });
  const b = await store.create({ name: 'kubeconfig' });
  const c = await store.create({ name: 'ci' });
  assert.deepEqual(
    (await store.revoke(c.id)).map((t) => t.id),
    [c.id],
  );
  assert.equal(store.authenticate(c.token), undefined);
  assert.equal((await store.revoke('kubeconfig')).length, 2);
  assert.equal(store.authenticate(a.token), undefined);
  assert.equal(store.authenticate(b.token), undefined);
  assert.deepEqual(await store.revoke('nothing-here'), []);
  store.close();
});

test('invalid names and ttls are refused', async () => {
  const { store } = await open();
  for (const name of ['', 'UPPER', 'has space', '-lead', 'x'.repeat(64)]) {
    await assert.rejects(store.create({ name }), TokenInputError, name);
  }
  for (const ttlSeconds of [-1, 1.5, Number.NaN]) {
    await assert.rejects(store.create({ name: 'ok', ttlSeconds }), TokenInputError);
  }
  store.close();
});

test('another process editing the file is seen within the reload interval (create and revoke)', async () => {
  const dir = freshDir();
  const clock = new FakeClock();
  const server = await TokenStore.open({ dir, clock, reloadIntervalMs: 1000 });
  const cli = await TokenStore.open({ dir, clock });
  const made = await cli.create({ name: 'from-cli' });
  clock.set(clock.now() + 1000);
  assert.deepEqual(server.authenticate(made.token), { tokenId: made.id, name: 'from-cli' });
  await cli.revoke(made.id);
  assert.ok(server.authenticate(made.token), 'not re-checked within the interval');
  clock.set(clock.now() + 1000);
  assert.equal(server.authenticate(made.token), undefined);
  // Both writers keep each other's tokens (each re-reads before writing).
  const s = await server.create({ name: 'server' });
  const c = await cli.create({ name: 'cli' });
  clock.set(clock.now() + 1000);
  assert.ok(server.authenticate(c.token));
  assert.ok(cli.authenticate(s.token));
  server.close();
  cli.close();
});

test('a token the CLI has just created works on its first request, even right after a check of the file', async () => {
  const dir = freshDir();
  const clock = new FakeClock();
  const server = await TokenStore.open({ dir, clock, reloadIntervalMs: 1000 });
  const cli = await TokenStore.open({ dir, clock });
  const before = await server.create({ name: 'busy' });
  // The server checked the file a moment ago (a request), so its interval has not passed yet...
  assert.ok(server.authenticate(before.token));
  clock.set(clock.now() + 10);
  const made = await cli.create({ name: 'viewer', ttlSeconds: 3600, scope: 'read' });
  clock.set(clock.now() + 10);
  // ...but an id it does not know makes it look again at once.
  assert.deepEqual(server.authenticate(made.token), { tokenId: made.id, name: 'viewer', scope: 'read' });
  // A wrong secret for an unknown id is still refused (and costs one stat, no reload).
  assert.equal(
    server.authenticate('ofo_0123456789abcdef_not-a-token-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
    undefined,
  );
  server.close();
  cli.close();
});

test('files are private: dir 0700, tokens.json 0600', async () => {
  const dir = join(freshDir(), 'nested');
  const { store } = await open(dir);
  await store.create({ name: 'x' });
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, TOKEN_FILE)).mode & 0o777, 0o600);
  store.close();
});

test('a damaged token file is an error at open, never an empty token list', async () => {
  const dir = freshDir();
  const { store } = await open(dir);
  await store.create({ name: 'x' });
  store.close();
  writeFileSync(join(dir, TOKEN_FILE), '{"version": 1, "tokens": [{"id": 1}]}');
  await assert.rejects(TokenStore.open({ dir }), TokenFileError);
  writeFileSync(join(dir, TOKEN_FILE), 'not json');
  await assert.rejects(TokenStore.open({ dir }), /cannot use the token file .*not JSON/);
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}

test('retire keeps the named tokens valid for the grace period only, and spares the one to keep', async () => {
  const { store, clock } = await open();
  const old = await store.create({ name: 'kubeconfig', ttlSeconds: 0 });
  const fresh = await store.create({ name: 'kubeconfig', ttlSeconds: 3600 });
  const other = await store.create({ name: 'ci', ttlSeconds: 0 });
  const moved = await store.retire('kubeconfig', 600, fresh.id);
  assert.deepEqual(
    moved.map((t) => t.id),
    [old.id],
  );
  assert.ok(store.authenticate(old.token), 'still valid during the grace');
  clock.advance(600 * 1000);
  assert.equal(store.authenticate(old.token), undefined, 'refused after it');
  assert.ok(store.authenticate(fresh.token));
  assert.ok(store.authenticate(other.token));
  // A grace never lengthens a life: a token ending sooner keeps its expiry.
  const soon = await store.create({ name: 'short', ttlSeconds: 60 });
  assert.deepEqual(await store.retire('short', 600), []);
  assert.equal(store.get(soon.id)?.expiresAt, soon.expiresAt);
  store.close();
});

test('onTokenGone hears revoked tokens, expired tokens (at their expiry) and tokens removed by another process', async () => {
  const dir = freshDir();
  const { store, clock } = await open(dir);
  const gone: string[] = [];
  const unsubscribe = store.onTokenGone((id) => gone.push(id));
  const revoked = await store.create({ name: 'revoked', ttlSeconds: 0 });
  const expiring = await store.create({ name: 'expiring', ttlSeconds: 60 });
  const elsewhere = await store.create({ name: 'elsewhere', ttlSeconds: 0 });
  const kept = await store.create({ name: 'kept', ttlSeconds: 0 });

  await store.revoke('revoked');
  assert.deepEqual(gone, [revoked.id]);

  clock.advance(60 * 1000);
  await waitUntil(() => gone.includes(expiring.id));
  await store.revoke('no-such-token'); // queued behind the sweep's rewrite of the file

  const cli = await TokenStore.open({ dir, clock });
  await cli.revoke('elsewhere');
  cli.close();
  clock.advance(1000); // the next authenticate re-reads the changed file
  store.authenticate(kept.token);
  assert.deepEqual(gone.sort(), [revoked.id, expiring.id, elsewhere.id].sort());

  unsubscribe();
  await store.revoke('kept');
  assert.equal(gone.includes(kept.id), false, 'no calls after unsubscribing');
  store.close();
});

test('a token file owned by another user keeps its owner when root writes it', {
  skip: process.geteuid?.() !== 0,
}, async () => {
  const { store, dir } = await open();
  await store.create({ name: 'a', ttlSeconds: 0 });
  const { chownSync } = await import('node:fs');
  chownSync(join(dir, TOKEN_FILE), 65534, 65534);
  await store.create({ name: 'b', ttlSeconds: 0 });
  const st = statSync(join(dir, TOKEN_FILE));
  assert.deepEqual([st.uid, st.gid], [65534, 65534], 'the owner (the server user) can still read it');
  store.close();
});

async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(done());
}

test('a read-only token keeps its scope across a reload; a bad scope in the file is refused', async () => {
  const { store, dir } = await open();
  const ro = await store.create({ name: 'viewer', ttlSeconds: 0, scope: 'read' });
  const rw = await store.create({ name: 'admin', ttlSeconds: 0 });
  assert.deepEqual(store.authenticate(ro.token), { tokenId: ro.id, name: 'viewer', scope: 'read' });
  assert.deepEqual(store.authenticate(rw.token), { tokenId: rw.id, name: 'admin' });
  store.close();
  const again = await TokenStore.open({ dir, clock: new FakeClock() });
  assert.equal(again.authenticate(ro.token)?.scope, 'read');
  again.close();
  const body = JSON.parse(readFileSync(join(dir, TOKEN_FILE), 'utf8'));
  body.tokens[0].scope = 'write-all';
  writeFileSync(join(dir, TOKEN_FILE), JSON.stringify(body));
  await assert.rejects(TokenStore.open({ dir, clock: new FakeClock() }), /entry 0: unknown scope/);
});
