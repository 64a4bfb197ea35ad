import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { writeKubeconfig } from '../../../../src/apiserver/auth/kubeconfig.ts';
import { loadOrCreateServingCert, type ServingCert } from '../../../../src/apiserver/auth/tls.ts';

const root = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
const TOKEN = 'ofo_0123456789abcdef_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
let cert: ServingCert;
let server: https.Server;
let url: string;
const seenAuth: (string | undefined)[] = [];

// A minimal HTTPS endpoint with the generated certificate: /version for a bearer token, 401 otherwise.
before(async () => {
  cert = await loadOrCreateServingCert(join(root, 'data'));
  server = https.createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    seenAuth.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","code":401}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-ofelia', platform: 'linux/amd64' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

test('the kubeconfig is 0600 in a 0700 directory it creates', async () => {
  const file = join(root, 'new-dir', 'kubeconfig');
  await writeKubeconfig(file, { server: url, caData: cert.caData, token: TOKEN });
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(root, 'new-dir')).mode & 0o777, 0o700);
});

test('client-node loadFromFile reads it and calls the server over verified TLS with the token', async () => {
  const file = join(root, 'kc-client-node');
  await writeKubeconfig(file, { server: url, caData: cert.caData, token: TOKEN, namespace: 'ops' });
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  assert.equal(kc.getCurrentCluster()?.server, url);
  assert.equal(kc.getCurrentCluster()?.skipTLSVerify, false);
  assert.equal(kc.getCurrentUser()?.token, TOKEN);
  assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'ops');
  const version = await kc.makeApiClient(VersionApi).getCode();
  assert.equal(version.gitVersion, 'v1.32.0-ofelia');
  assert.equal(seenAuth.at(-1), `Bearer ${TOKEN}`);
});

test('kubectl accepts the certificate and sends the token', async () => {
  const file = join(root, 'kc-kubectl');
  await writeKubeconfig(file, { server: url, caData: cert.caData, token: TOKEN });
  const { stdout } = await promisify(execFile)(
    'kubectl',
    ['--kubeconfig', file, 'get', '--raw', '/version', '--request-timeout=10s'],
    { timeout: 20_000 },
  );
  assert.equal(JSON.parse(stdout).gitVersion, 'v1.32.0-ofelia');
  assert.equal(seenAuth.at(-1), `Bearer ${TOKEN}`);
});
