/**
 * The embedded API server start-up (src/apiserver/embedded.ts) in process, with a real store,
 * real TLS on a free loopback port and a fake clock: the kubeconfig token is renewed at two thirds
 * of its lifetime (new file, new token accepted, the old one still accepted for the rotation grace
 * period and refused after it), a restart keeps a still-valid kubeconfig token, issued tokens are
 * revoked at close, and failures are typed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApiException, ApisApi, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  DEFAULT_ROTATION_GRACE_SECONDS,
  type EmbeddedApiServer,
  EmbeddedApiServerError,
  renderKubeconfig,
  startEmbeddedApiServer,
  TokenStore,
} from '../../src/apiserver/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { waitFor } from '../helpers/operator.ts';

const TTL_SECONDS = 3600;
const RENEWAL_MS = (TTL_SECONDS * 1000 * 2) / 3;
const GRACE_MS = DEFAULT_ROTATION_GRACE_SECONDS * 1000;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'embedded-apiserver-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function start(dataDir: string, clock: FakeClock, port = 0): Promise<EmbeddedApiServer> {
  return startEmbeddedApiServer({
    dataDir,
    listen: { host: '127.0.0.1', port },
    kubeconfigPath: join(dataDir, 'kubeconfig'),
    tokenTtlSeconds: TTL_SECONDS,
    logger: silentLogger(),
    clock,
  });
}

function kubeconfigToken(file: string): string {
  return parse(readFileSync(file, 'utf8')).users[0].user.token;
}

/** Whether the server accepts `token`: client-node, as the controller would call it. */
async function accepts(api: EmbeddedApiServer, token: string): Promise<boolean> {
  const kc = new KubeConfig();
  kc.loadFromString(renderKubeconfig({ server: api.url, caData: api.caData, token }));
  try {
    await kc.makeApiClient(ApisApi).getAPIVersions();
    return true;
  } catch (e) {
    if (e instanceof ApiException && e.code === 401) return false;
    throw e;
  }
}

async function tokenNames(dataDir: string): Promise<string[]> {
  const tokens = await TokenStore.open({ dir: dataDir });
  try {
    return tokens
      .list()
      .map((t) => t.name)
      .sort();
  } finally {
    tokens.close();
  }
}

test('the kubeconfig token is renewed at 2/3 of its lifetime: file rewritten, new token works, old one works for the grace period only', async () => {
  const dataDir = join(root, 'renewal');
  // Real wall time as the start, so the serving certificate is valid for the TLS handshake.
  const clock = new FakeClock(Date.now());
  const api = await start(dataDir, clock);
  try {
    const kubeconfig = join(dataDir, 'kubeconfig');
    assert.equal(api.kubeconfigPath, kubeconfig);
    let current = kubeconfigToken(kubeconfig);
    assert.equal(await accepts(api, current), true);

    for (let renewal = 1; renewal <= 2; renewal++) {
      const previous = current;
      clock.advance(RENEWAL_MS);
      current = await waitFor(`renewal ${renewal} to rewrite the kubeconfig`, async () => {
        const token = kubeconfigToken(kubeconfig);
        return token !== previous && token;
      });
      assert.equal(await accepts(api, current), true, `renewal ${renewal}: the new token is accepted`);
      assert.equal(await accepts(api, previous), true, `renewal ${renewal}: the old token still works`);
      clock.advance(GRACE_MS);
      assert.equal(
        await accepts(api, previous),
        false,
        `renewal ${renewal}: the old token ends after the grace`,
      );
      assert.equal(await accepts(api, current), true);
      clock.set(clock.now() - GRACE_MS); // the renewal cadence stays on the 2/3 marks
    }
  } finally {
    await api.close();
  }
  assert.deepEqual(await tokenNames(dataDir), ['kubeconfig'], 'one kubeconfig token left');
});

test('issueToken gives a token that works while the server runs and is revoked at close; a restart keeps the kubeconfig token', async () => {
  const dataDir = join(root, 'issued');
  const clock = new FakeClock(Date.now());
  const first = await start(dataDir, clock);
  let own: string;
  try {
    own = await first.issueToken('operator');
    assert.equal(await accepts(first, own), true);
    assert.deepEqual(await tokenNames(dataDir), ['kubeconfig', 'operator']);
  } finally {
    await first.close();
  }
  assert.deepEqual(await tokenNames(dataDir), ['kubeconfig']);

  const before = kubeconfigToken(join(dataDir, 'kubeconfig'));
  const second = await start(dataDir, clock);
  try {
    assert.equal(kubeconfigToken(join(dataDir, 'kubeconfig')), before, 'a still-valid token is kept');
    assert.equal(await accepts(second, before), true, 'clients holding it are not locked out');
    assert.equal(await accepts(second, own), false, 'the previous run’s issued token is revoked');
  } finally {
    await second.close();
  }
  assert.deepEqual(await tokenNames(dataDir), ['kubeconfig']);
});

test('a restart past the renewal time writes a new kubeconfig token; the old one works for the grace period', async () => {
  const dataDir = join(root, 'restart-renewal');
  const clock = new FakeClock(Date.now());
  await (await start(dataDir, clock)).close();
  const before = kubeconfigToken(join(dataDir, 'kubeconfig'));
  clock.set(clock.now() + RENEWAL_MS + 1000);
  const second = await start(dataDir, clock);
  try {
    const now = kubeconfigToken(join(dataDir, 'kubeconfig'));
    assert.notEqual(now, before);
    assert.equal(await accepts(second, now), true);
    assert.equal(await accepts(second, before), true, 'the replaced token works during the grace');
    clock.advance(GRACE_MS);
    assert.equal(await accepts(second, before), false, 'and not after it');
  } finally {
    await second.close();
  }
});

test('a failed start is a typed error and leaves nothing held', async () => {
  const dataDir = join(root, 'failures');
  const clock = new FakeClock(Date.now());
  const running = await start(dataDir, clock);
  try {
    await assert.rejects(
      start(dataDir, clock),
      (e) =>
        e instanceof EmbeddedApiServerError &&
        e.reason === 'StoreUnusable' &&
        /^cannot open the store in .*: already open/.test(e.message),
    );
  } finally {
    await running.close();
  }

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(
      start(dataDir, clock, port),
      (e) => e instanceof EmbeddedApiServerError && e.reason === 'ListenFailed' && e.detail === 'EADDRINUSE',
    );
  } finally {
    await new Promise((r) => blocker.close(r));
  }
  // The store lock and the port were released: the same data directory starts again.
  const again = await start(dataDir, clock);
  await again.close();
});
