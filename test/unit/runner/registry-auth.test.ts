import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findRegistryAuth, normalizeRegistry, resolvePullAuth } from '../../../src/runner/registry-auth.ts';
import { RunFailure } from '../../../src/runner/run-failure.ts';
import { StaticSecretSource } from '../../../src/runner/secret-source.ts';

const norm = [
  { key: 'https://index.docker.io/v1/', want: 'docker.io' },
  { key: 'registry-1.docker.io', want: 'docker.io' },
  { key: 'http://127.0.0.1:5000/v2/', want: '127.0.0.1:5000' },
  { key: 'Registry.Example.com', want: 'registry.example.com' },
];
for (const c of norm)
  test(`normalizeRegistry(${c.key})`, () => assert.equal(normalizeRegistry(c.key), c.want));

test('findRegistryAuth: username/password, auth field, legacy flat map, no match', () => {
  const cfg = {
    auths: {
      '127.0.0.1:5000': { username: 'u', password: 'p' },
      'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret:x').toString('base64') },
    },
  };
  assert.deepEqual(findRegistryAuth(cfg, '127.0.0.1:5000'), {
    serveraddress: '127.0.0.1:5000',
    username: 'u',
    password: 'p',
  });
  assert.deepEqual(findRegistryAuth(cfg, 'docker.io'), {
    serveraddress: 'https://index.docker.io/v1/',
    username: 'hub',
    password: 'secret:x',
  });
  assert.equal(findRegistryAuth(cfg, 'other.example'), undefined);
  assert.deepEqual(
    findRegistryAuth({ 'r.example': { username: 'a', password: 'b' } }, 'r.example')?.username,
    'a',
  );
});

const dockerconfig = (reg: string, u: string, p: string) => ({
  kind: 'Secret',
  metadata: { name: `pull-${u}` },
  data: {
    '.dockerconfigjson': Buffer.from(
      JSON.stringify({ auths: { [reg]: { username: u, password: p } } }),
    ).toString('base64'),
  },
});

test('resolvePullAuth: the first secret with an entry for the registry wins', async () => {
  const src = new StaticSecretSource([
    dockerconfig('other:1', 'a', 'x'),
    dockerconfig('127.0.0.1:5000', 'b', 'y'),
    dockerconfig('127.0.0.1:5000', 'c', 'z'),
  ]);
  const auth = await resolvePullAuth(
    [{ name: 'pull-a' }, { name: 'pull-b' }, { name: 'pull-c' }],
    'default',
    '127.0.0.1:5000',
    src,
  );
  assert.equal(auth?.username, 'b');
  assert.equal(await resolvePullAuth(undefined, 'default', 'r', src), undefined);
});

test('resolvePullAuth: a missing secret or bad JSON is an Error result with a clear reason', async () => {
  const src = new StaticSecretSource([
    { kind: 'Secret', metadata: { name: 'bad' }, stringData: { '.dockerconfigjson': '{nope' } },
  ]);
  await assert.rejects(
    resolvePullAuth([{ name: 'gone' }], 'default', 'r', src),
    (e: unknown) =>
      e instanceof RunFailure &&
      e.result === 'Error' &&
      e.reason === 'SecretNotFound' &&
      /imagePullSecrets\[0\]/.test(e.message),
  );
  await assert.rejects(
    resolvePullAuth([{ name: 'bad' }], 'default', 'r', src),
    (e: unknown) => e instanceof RunFailure && e.reason === 'InvalidPullSecret',
  );
});
