import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from '../../../src/apiserver/index.ts';
import { makeKubeClients } from '../../../src/kube/clients.ts';
import { isRefreshable, ReloadingKubeConfig } from '../../../src/kube/reloading-kubeconfig.ts';

const root = mkdtempSync(join(tmpdir(), 'reloading-kubeconfig-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function write(file: string, server: string, token: string): void {
  writeFileSync(file, renderKubeconfig({ server, caData: Buffer.from('ca').toString('base64'), token }));
}

function fixture() {
  const file = join(root, `kubeconfig-${n++}`);
  write(file, 'https://127.0.0.1:1111', 'token-a');
  let now = 0;
  const kc = new ReloadingKubeConfig(file, { checkIntervalMs: 1000, now: () => now });
  return { file, kc, advance: (ms: number) => (now += ms) };
}

test('a changed file is picked up at the next check: token, server URL', () => {
  const { file, kc, advance } = fixture();
  assert.equal(kc.getCurrentUser()?.token, 'token-a');
  kc.refreshIfChanged(); // the first check of this instance
  write(file, 'https://127.0.0.1:2222', 'token-b-longer');
  kc.refreshIfChanged();
  assert.equal(kc.getCurrentUser()?.token, 'token-a', 'not within the check interval');
  advance(1000);
  kc.refreshIfChanged();
  assert.equal(kc.getCurrentUser()?.token, 'token-b-longer');
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:2222');
});

test('force (after a 401) checks at once', () => {
  const { file, kc } = fixture();
  kc.refreshIfChanged();
  write(file, 'https://127.0.0.1:1111', 'token-after-401');
  kc.refreshIfChanged(true);
  assert.equal(kc.getCurrentUser()?.token, 'token-after-401');
});

test('a broken or missing file keeps the last good configuration', () => {
  const { file, kc, advance } = fixture();
  writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: none\n');
  advance(1000);
  kc.refreshIfChanged();
  assert.equal(kc.getCurrentUser()?.token, 'token-a');
  rmSync(file);
  advance(1000);
  kc.refreshIfChanged();
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:1111');
});

test('makeKubeClients follows a refreshable config; a plain KubeConfig is used as is', () => {
  const { kc } = fixture();
  assert.equal(isRefreshable(kc), true);
  const plain = new KubeConfig();
  plain.loadFromString(renderKubeconfig({ server: 'https://127.0.0.1:3333', caData: '', token: 't' }));
  assert.equal(isRefreshable(plain), false);
  assert.equal(makeKubeClients(kc).kubeConfig, kc);
  assert.equal(makeKubeClients(plain).kubeConfig, plain);
});
