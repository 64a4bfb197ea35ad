import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { INSTANCE_ID_PATTERN } from '../../../src/api/run-identity.ts';
import type { Mode } from '../../../src/config/index.ts';
import { StartupError } from '../../../src/operator/errors.ts';
import {
  clusterInstanceId,
  INSTANCE_ID_FILE,
  loadOrCreateInstanceId,
  randomInstanceId,
  resolveInstance,
} from '../../../src/operator/instance-id.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'ofelia-instance-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const embedded = (dataDir: string): Mode => ({
  kind: 'embedded',
  dataDir,
  listen: { host: '127.0.0.1', port: 0 },
  writeKubeconfig: join(dataDir, 'kubeconfig'),
  watchHistory: 10,
  client: 'in-process',
});
const cluster: Mode = { kind: 'kubeconfig', file: '/k/config' };

test('randomInstanceId: a valid id, different each time', () => {
  const a = randomInstanceId();
  assert.match(a, INSTANCE_ID_PATTERN);
  assert.notEqual(a, randomInstanceId());
});

test('clusterInstanceId: stable per server and namespace scope, valid', () => {
  const id = clusterInstanceId('https://10.0.0.1:443', undefined);
  assert.match(id, INSTANCE_ID_PATTERN);
  assert.equal(clusterInstanceId('https://10.0.0.1:443', undefined), id, 'every replica derives the same');
  const others = [
    clusterInstanceId('https://10.0.0.2:443', undefined),
    clusterInstanceId('https://10.0.0.1:443', 'team-a'),
    clusterInstanceId('https://10.0.0.1:443', 'team-b'),
  ];
  assert.equal(new Set([id, ...others]).size, 4);
});

test('loadOrCreateInstanceId: created once (0600), then the same id on every start', async () => {
  const dir = await mkdtemp(join(root, 'dd-'));
  const first = await loadOrCreateInstanceId(dir);
  assert.match(first, INSTANCE_ID_PATTERN);
  const file = join(dir, INSTANCE_ID_FILE);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await readFile(file, 'utf8')).trim(), first);
  assert.equal(await loadOrCreateInstanceId(dir), first);
  const other = await mkdtemp(join(root, 'dd-'));
  assert.notEqual(await loadOrCreateInstanceId(other), first, 'another data dir is another instance');
});

test('loadOrCreateInstanceId: an id written by hand is used', async () => {
  const dir = await mkdtemp(join(root, 'dd-'));
  await writeFile(join(dir, INSTANCE_ID_FILE), 'laptop-1\n');
  assert.equal(await loadOrCreateInstanceId(dir), 'laptop-1');
});

test('loadOrCreateInstanceId: a damaged file stops the start-up and is left as it is', async () => {
  const dir = await mkdtemp(join(root, 'dd-'));
  const file = join(dir, INSTANCE_ID_FILE);
  await writeFile(file, 'Not An Id\n');
  await assert.rejects(
    loadOrCreateInstanceId(dir),
    (e: unknown) =>
      e instanceof StartupError &&
      e.reason === 'DataDirUnusable' &&
      e.message.includes(file) &&
      !e.message.includes('\n'),
  );
  assert.equal(await readFile(file, 'utf8'), 'Not An Id\n');
});

test('loadOrCreateInstanceId: a missing data dir is a StartupError', async () => {
  await assert.rejects(
    loadOrCreateInstanceId(join(root, 'missing', 'deeper')),
    (e: unknown) => e instanceof StartupError && e.reason === 'DataDirUnusable',
  );
});

test('resolveInstance: the flag wins, then the mode default', async () => {
  const dir = await mkdtemp(join(root, 'dd-'));
  const server = 'https://127.0.0.1:6443';
  assert.deepEqual(
    await resolveInstance({ given: 'mine', mode: embedded(dir), serverUrl: server, namespace: undefined }),
    { id: 'mine', source: 'flag' },
  );
  await assert.rejects(stat(join(dir, INSTANCE_ID_FILE)), 'the flag writes no file');
  const kept = await resolveInstance({
    given: undefined,
    mode: embedded(dir),
    serverUrl: server,
    namespace: undefined,
  });
  assert.equal(kept.source, 'data-dir');
  assert.equal(kept.id, await loadOrCreateInstanceId(dir));
  assert.deepEqual(
    await resolveInstance({ given: undefined, mode: cluster, serverUrl: server, namespace: 'ops' }),
    {
      id: clusterInstanceId(server, 'ops'),
      source: 'cluster',
    },
  );
});
