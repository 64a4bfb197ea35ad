import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import tls from 'node:tls';
import { loadOrCreateServingCert } from '../../../../src/apiserver/auth/tls.ts';

const root = mkdtempSync(join(tmpdir(), 'tls-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);
const DAY = 24 * 3600 * 1000;

test('a new certificate: ECDSA P-256, a leaf signed by a separate CA, covers 127.0.0.1, ::1, localhost and extra hosts', async () => {
  const dir = freshDir();
  const c = await loadOrCreateServingCert(dir, { extraHosts: ['ofelia.internal', '10.9.8.7'] });
  const cert = new X509Certificate(c.cert);
  const ca = new X509Certificate(Buffer.from(c.caData, 'base64'));
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(cert.ca, false, 'the serving certificate cannot sign certificates');
  assert.equal(ca.ca, true);
  assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'signed by the CA');
  assert.equal(cert.verify(cert.publicKey), false, 'not self-signed');
  assert.notEqual(cert.fingerprint256, ca.fingerprint256);
  assert.match(cert.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'serverAuth');
  for (const ip of ['127.0.0.1', '::1', '10.9.8.7']) assert.ok(cert.checkIP(ip), ip);
  for (const host of ['localhost', 'ofelia.internal']) assert.ok(cert.checkHost(host), host);
  assert.equal(cert.checkHost('example.com'), undefined);
  assert.equal(Buffer.from(c.caData, 'base64').toString(), readFileSync(join(dir, 'ca.crt'), 'utf8'));
  assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'serving.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'serving.crt')).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

const reuseCases: {
  name: string;
  second: { extraHosts?: string[]; now?: number };
  damage?: (dir: string) => void;
  wantSame: boolean;
}[] = [
  { name: 'reused on the next start', second: {}, wantSame: true },
  {
    name: 'reused when asked for a subset of its hosts',
    second: { extraHosts: ['localhost'] },
    wantSame: true,
  },
  { name: 'regenerated when a host is added', second: { extraHosts: ['new.host'] }, wantSame: false },
  { name: 'regenerated within 30 days of expiry', second: { now: Date.now() + 340 * DAY }, wantSame: false },
  { name: 'kept 300 days in', second: { now: Date.now() + 300 * DAY }, wantSame: true },
  {
    name: 'regenerated when the key file is garbage',
    second: {},
    damage: (d) => writeFileSync(join(d, 'serving.key'), 'junk'),
    wantSame: false,
  },
  {
    name: 'regenerated when the key does not match the certificate',
    second: {},
    damage: (d) => {
      const other = freshDir();
      return loadOrCreateServingCert(other).then(() =>
        writeFileSync(join(d, 'serving.key'), readFileSync(join(other, 'serving.key'))),
      );
    },
    wantSame: false,
  },
];
for (const c of reuseCases) {
  test(`serving certificate ${c.name}`, async () => {
    const dir = freshDir();
    const first = await loadOrCreateServingCert(dir);
    await c.damage?.(dir);
    const second = await loadOrCreateServingCert(dir, c.second);
    assert.equal(second.cert === first.cert, c.wantSame);
    if (!c.wantSame) {
      assert.equal(readFileSync(join(dir, 'serving.crt'), 'utf8'), second.cert, 'the new pair is stored');
      assert.ok(new X509Certificate(second.cert).checkPrivateKey(createPrivateKey(second.key)));
    }
  });
}

async function handshake(opts: tls.ConnectionOptions): Promise<{ authorized: boolean } | Error> {
  return new Promise((resolve) => {
    const socket = tls.connect(opts);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.once('secureConnect', () => {
      resolve({ authorized: socket.authorized });
      socket.end();
    });
    socket.once('error', (e) => resolve(e));
  });
}

test('node:tls verifies the served certificate against caData on 127.0.0.1, and refuses it without', async () => {
  const c = await loadOrCreateServingCert(freshDir());
  const server = tls.createServer({ cert: c.cert, key: c.key }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const ca = Buffer.from(c.caData, 'base64').toString();
    assert.deepEqual(await handshake({ host: '127.0.0.1', port, ca }), { authorized: true });
    assert.deepEqual(await handshake({ host: '127.0.0.1', port, ca, servername: 'localhost' }), {
      authorized: true,
    });
    const untrusted = await handshake({ host: '127.0.0.1', port });
    assert.ok(
      untrusted instanceof Error && /unable to verify|self[- ]signed/i.test(untrusted.message),
      String(untrusted),
    );
    const wrongName = await handshake({ host: '127.0.0.1', port, ca, servername: 'example.com' });
    assert.ok(wrongName instanceof Error && /altnames/i.test(wrongName.message), String(wrongName));
  } finally {
    server.close();
  }
});

test('an older self-signed serving certificate is replaced by a leaf of a new CA', async () => {
  const dir = freshDir();
  const c = await loadOrCreateServingCert(dir);
  // What earlier versions wrote: the serving certificate as its own CA.
  writeFileSync(join(dir, 'serving.crt'), Buffer.from(c.caData, 'base64'));
  writeFileSync(join(dir, 'serving.key'), readFileSync(join(dir, 'ca.key')));
  const again = await loadOrCreateServingCert(dir);
  assert.equal(new X509Certificate(again.cert).ca, false);
  assert.equal(again.caData, c.caData, 'the CA is kept: clients trusting it keep working');
});
