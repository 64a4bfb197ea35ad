/**
 * The dashboard server's HTTP contract without a browser, against the real embedded API server:
 * security headers on every answer, login input checks (type, JSON, size, origin), names checked
 * with the field at fault, no file outside the asset table, bearer tokens for API clients, logout
 * needing the CSRF token, and over TLS a Secure session cookie.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { loadOrCreateServingCert } from '../../src/apiserver/auth/tls.ts';
import { type Dashboard, endpointFrom, startDashboard } from '../../src/dashboard/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
let plain: Dashboard;
let tls: Dashboard;
let tmp: string;
let ca: string;

before(async () => {
  api = await startTestApiServer();
  tmp = await mkdtemp(join(tmpdir(), 'dashboard-server-'));
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const common = {
    host: '127.0.0.1',
    port: 0,
    endpoint: endpointFrom(kc.getCurrentCluster()),
    output: undefined,
    nodeName: 'n',
    log: silentLogger(),
  };
  plain = await startDashboard(common);
  const cert = await loadOrCreateServingCert(tmp);
  ca = Buffer.from(cert.caData, 'base64').toString('utf8');
  tls = await startDashboard({
    ...common,
    tls: { certFile: join(tmp, 'serving.crt'), keyFile: join(tmp, 'serving.key') },
  });
  const applied = await api.kubectl(['apply', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'ScheduledDockerJob',
      metadata: { name: 'j', namespace: 'default' },
      spec: { schedule: '@manual', run: { image: 'busybox', command: ['true'] } },
    }),
  });
  assert.equal(applied.code, 0, applied.stderr);
});

after(async () => {
  await plain?.close();
  await tls?.close();
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const login = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  fetch(`${plain.url}/api/login`, { method: 'POST', headers, body });

test('every answer carries the security headers; the page and assets are served, nothing else', async () => {
  for (const path of ['/', '/static/app.js', '/vendor/preact.mjs', '/api/session', '/nope']) {
    const r = await fetch(`${plain.url}${path}`);
    assert.match(
      r.headers.get('content-security-policy') ?? '',
      /^default-src 'none'; script-src 'self' 'sha256-/,
      path,
    );
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', path);
  }
  assert.equal(
    (await fetch(`${plain.url}/static/app.js`)).headers.get('content-type'),
    'text/javascript; charset=utf-8',
  );
  for (const path of [
    '/static/../server.ts',
    '/static/%2e%2e/server.ts',
    '/vendor/preact/package.json',
    '/static/',
  ]) {
    assert.equal((await fetch(`${plain.url}${path}`)).status, 404, path);
  }
});

test('a notification link /jobs/NAMESPACE/NAME opens the job page', async () => {
  const r = await fetch(`${plain.url}/jobs/default/j`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/#/job/default/j');
  assert.equal((await fetch(`${plain.url}/jobs/default/Bad_Name`, { redirect: 'manual' })).status, 400);
});

test('login checks its input and refuses other origins', async () => {
  const rows: [Response, number, RegExp][] = [
    [await login('{"token":"x"}', { 'Content-Type': 'text/plain' }), 415, /application\/json/],
    [await login('not json'), 400, /body: not JSON/],
    [await login('{"token":""}'), 400, /^token: expected a non-empty string/],
    [await login(JSON.stringify({ token: 'x'.repeat(20_000) })), 413, /larger than 16384 bytes/],
    [
      await login(JSON.stringify({ token: api.token }), {
        'Content-Type': 'application/json',
        Origin: 'http://evil.example',
      }),
      403,
      /another origin/,
    ],
    [await login(JSON.stringify({ token: 'ofo_0000000000000000_wrong' })), 401, /does not accept this token/],
  ];
  for (const [r, status, message] of rows) {
    assert.equal(r.status, status);
    assert.match(((await r.json()) as { message: string }).message, message);
  }
});

test('API clients use a bearer token; names are checked with the field at fault', async () => {
  const auth = { authorization: `Bearer ${api.token}` };
  const detail = await fetch(`${plain.url}/api/jobs/default/j`, { headers: auth });
  assert.equal(detail.status, 200);
  const body = (await detail.json()) as { job: { metadata: { name: string } }; specYaml: string };
  assert.equal(body.job.metadata.name, 'j');
  assert.match(body.specYaml, /schedule: "@manual"/);
  const bad = await fetch(`${plain.url}/api/jobs/default/Not_A_Name`, { headers: auth });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /^name: not a valid name/);
  const missing = await fetch(`${plain.url}/api/jobs/default/absent`, { headers: auth });
  assert.equal(missing.status, 404);
  const wrong = await fetch(`${plain.url}/api/jobs/default/j`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(wrong.status, 401);
});

test('a session: logout needs the CSRF token, then the cookie opens nothing', async () => {
  const r = await login(JSON.stringify({ token: api.token }));
  assert.equal(r.status, 200);
  const setCookie = r.headers.get('set-cookie') ?? '';
  assert.match(
    setCookie,
    /^sdj_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=86400$/,
  );
  assert.doesNotMatch(setCookie, /Secure/, 'not Secure over plain HTTP');
  const { csrf } = (await r.json()) as { csrf: string };
  const cookie = setCookie.split(';')[0]!;
  assert.equal((await fetch(`${plain.url}/api/session`, { headers: { cookie } })).status, 200);
  const refused = await fetch(`${plain.url}/api/logout`, { method: 'POST', headers: { cookie } });
  assert.equal(refused.status, 403);
  const out = await fetch(`${plain.url}/api/logout`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf },
  });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  assert.equal((await fetch(`${plain.url}/api/session`, { headers: { cookie } })).status, 401);
});

test('over TLS the session cookie is Secure', async () => {
  assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = JSON.stringify({ token: api.token });
  const setCookie = await new Promise<string>((resolve, reject) => {
    const req = request(
      `${tls.url}/api/login`,
      {
        method: 'POST',
        ca,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        assert.equal(res.statusCode, 200);
        resolve(String(res.headers['set-cookie']?.[0] ?? ''));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  assert.match(setCookie, /; HttpOnly; SameSite=Strict; Max-Age=86400; Secure$/);
});
