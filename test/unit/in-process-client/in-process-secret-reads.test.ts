/**
 * The runner's SecretSource over in-process reads against the API server's real engine: a
 * Secret's values decoded (stringData merged into data by the server), a ConfigMap's data, and a
 * missing object as undefined (the server's 404).
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { inProcessSecretReads } from '../../../src/in-process-client/in-process-secret-reads.ts';
import { CachedSecretSource } from '../../../src/kube/cached-secret-source.ts';
import { AS_USER, type InProcessServer, inProcessServer } from '../../helpers/in-process-server.ts';

let server: InProcessServer;
let source: CachedSecretSource;

beforeEach(async () => {
  server = await inProcessServer();
  source = new CachedSecretSource({
    reads: inProcessSecretReads({ access: server.access, clock: server.clock }),
    clock: server.clock,
  });
});

test('a Secret is read decoded; a ConfigMap as is', async () => {
  await server.service.create(
    server.kinds.lookup('', 'v1', 'secrets')!,
    'ops',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { user: Buffer.from('alice').toString('base64') },
      stringData: { token: 's3cret' },
    },
    AS_USER,
  );
  await server.service.create(
    server.kinds.lookup('', 'v1', 'configmaps')!,
    'ops',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { level: 'debug' } },
    AS_USER,
  );
  assert.deepEqual(await source.getSecretData('ops', 'creds'), { user: 'alice', token: 's3cret' });
  assert.deepEqual(await source.getConfigMapData('ops', 'settings'), { level: 'debug' });
});

test('a missing Secret or ConfigMap is undefined, not an error', async () => {
  assert.equal(await source.getSecretData('ops', 'nope'), undefined);
  assert.equal(await source.getConfigMapData('default', 'nope'), undefined);
});
