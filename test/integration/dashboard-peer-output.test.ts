/**
 * Output of a run that another replica ran, over real HTTP between two dashboards on one real
 * (embedded) API server, each replica with its own output store: replica B (node "127.0.0.1")
 * keeps the runs' output; the job's status names B's node for a finished run (recentRuns) and for
 * a running one (active). Replica A, asked for them, fetches them from B with the user's own
 * bearer token and relays the answer — so a browser logged in on A (real Chromium: the finished
 * run's output, and the running run's output streamed live through A), a cookie session, and
 * `kubectl-sdj logs [-f]` against A all work. Bounds and refusals: no token, nothing relayed; a
 * relayed request is never relayed again (a self-pointing peer URL is a 404, not a loop); a node
 * that is not a live replica (cluster mode's member Leases) is never sent a token; a peer
 * that is down or does not answer is a 502 naming the node within the deadline; without a peer
 * URL a 404 names the node; the token appears in no log line and no answer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { type Dashboard, endpointFrom, startDashboard } from '../../src/dashboard/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { OutputStore } from '../../src/output/index.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { launchChromium } from '../helpers/dashboard-env.ts';
import { runToExit } from '../helpers/operator-process.ts';
import { waitFor } from '../helpers/wait.ts';

const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kubectl-sdj');
let api: TestApiServer;
let tmp: string;
const dashboards: Dashboard[] = [];
const stores: OutputStore[] = [];
let a: Dashboard;
let b: Dashboard;
let lonely: Dashboard;
let storeB: OutputStore;
let browser: Browser | undefined;
let silentPeer: Server;
const silentSockets = new Set<Socket>();
/** Every log line of replicas A and B, at debug level. */
const logLines: string[] = [];
const running = { namespace: 'default', jobName: 'j', jobUid: 'u', scheduledTime: 200_000, attempt: 1 };

function capturingLogger() {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

before(async () => {
  api = await startTestApiServer();
  tmp = await mkdtemp(join(tmpdir(), 'dashboard-peer-'));
  const applied = await api.kubectl(['apply', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'ScheduledDockerJob',
      metadata: { name: 'j', namespace: 'default' },
      spec: { schedule: '@manual', run: { image: 'busybox', command: ['true'] } },
    }),
  });
  assert.equal(applied.code, 0, applied.stderr);
  const record = {
    name: 'j-100',
    trigger: 'Manual',
    scheduledTime: '1970-01-01T00:01:40Z',
    finishTime: '1970-01-01T00:01:41Z',
    result: 'Succeeded',
    exitCode: 0,
    node: '127.0.0.1',
  };
  const active = { name: 'j-200', scheduledTime: '1970-01-01T00:03:20Z', node: '127.0.0.1' };
  const patched = await api.kubectl([
    'patch',
    'sdj',
    'j',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { recentRuns: [record], lastRun: record, active: [active] } }),
  ]);
  assert.equal(patched.code, 0, patched.stderr);

  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const endpoint = endpointFrom(kc.getCurrentCluster());
  storeB = OutputStore.open({ dir: join(tmp, 'b'), log: silentLogger() });
  const finished = { ...running, scheduledTime: 100_000 };
  storeB.begin(finished);
  storeB.line(finished, 'stdout', 'kept by replica b');
  await storeB.end(finished, { result: 'Succeeded', exitCode: 0, finishTime: record.finishTime });
  storeB.begin(running);
  storeB.line(running, 'stdout', 'working on b');
  const storeA = OutputStore.open({ dir: join(tmp, 'a'), log: silentLogger() });
  stores.push(storeA, storeB);
  const common = { host: '127.0.0.1', port: 0, endpoint };
  b = await startDashboard({ ...common, output: storeB, nodeName: '127.0.0.1', log: capturingLogger() });
  a = await startDashboard({
    ...common,
    output: storeA,
    nodeName: 'node-a',
    peerUrl: `http://{node}:${b.port}`,
    // The live member Leases of cluster mode: B's node is a replica.
    isPeer: (node) => node === '127.0.0.1',
    log: capturingLogger(),
  });
  lonely = await startDashboard({ ...common, output: storeA, nodeName: 'node-c', log: silentLogger() });
  dashboards.push(a, b, lonely);
  // A "peer" that accepts connections and never answers.
  silentPeer = createServer((s) => {
    silentSockets.add(s);
    s.on('close', () => silentSockets.delete(s));
  });
  await new Promise<void>((resolve) => silentPeer.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await browser?.close();
  for (const d of dashboards) await d.close();
  for (const s of silentSockets) s.destroy();
  await new Promise((resolve) => silentPeer?.close(resolve));
  await storeB?.end(running, { result: 'Succeeded', exitCode: 0, finishTime: '1970-01-01T00:03:21Z' });
  for (const s of stores) await s.close();
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const outputPath = '/api/jobs/default/j/runs/j-100/output';
const bearer = () => ({ authorization: `Bearer ${api.token}` });

test('the replica that did not run it relays the output from the one that did, with the user token', async () => {
  const r = await fetch(`${a.url}${outputPath}`, { headers: bearer(), redirect: 'manual' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('location'), null, 'no redirect: the client talks to A only');
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(await r.text(), / O kept by replica b\n$/);
});

test('a browser-style cookie session on A reads it too (the cookie never leaves A)', async () => {
  const login = await fetch(`${a.url}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: api.token }),
  });
  assert.equal(login.status, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const r = await fetch(`${a.url}${outputPath}`, { headers: { cookie } });
  assert.equal(r.status, 200);
  assert.match(await r.text(), / O kept by replica b\n$/);
});

test('in Chromium, logged in on A: the running run streams live from B through A, the finished one shows', async () => {
  browser = await launchChromium();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(a.url);
  await page.fill('input[name=token]', api.token);
  await page.click('button[type=submit]');
  await page.waitForSelector('header.top');
  await page.goto(`${a.url}/#/job/default/j`);
  // The running run is shown first, followed live.
  await page.waitForSelector('pre.output[data-run="j-200"] div:has-text("working on b")');
  storeB.line(running, 'stdout', 'a line written while the browser watches');
  await page.waitForSelector('pre.output[data-run="j-200"] div:has-text("while the browser watches")');
  await page.click('tr[data-run="j-100"]');
  await page.waitForSelector('pre.output[data-run="j-100"] div:has-text("kept by replica b")');
  assert.equal(await page.locator('.card p.error').count(), 0);
  await context.close();
});

test('kubectl-sdj logs reads it through A; logs -f follows the running run on B through A to its end', async () => {
  const r = await runToExit({
    command: process.execPath,
    args: [PLUGIN, 'logs', 'j', '--run', 'j-100'],
    home: tmp,
    env: { KUBECONFIG: api.kubeconfig, OFELIA_DASHBOARD_URL: a.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'kept by replica b\n');

  // The latest run is the running j-200: -f follows it.
  const child = spawn(process.execPath, [PLUGIN, 'logs', 'j', '-f'], {
    env: { PATH: process.env.PATH, HOME: tmp, KUBECONFIG: api.kubeconfig, OFELIA_DASHBOARD_URL: a.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor('the followed output so far', () => out.includes('while the browser watches'), 30_000);
    storeB.line(running, 'stdout', 'last words');
    await storeB.end(running, { result: 'Succeeded', exitCode: 0, finishTime: '1970-01-01T00:03:30Z' });
    assert.equal(await exited, 0, err);
  } finally {
    child.kill('SIGKILL');
  }
  assert.equal(out, 'working on b\na line written while the browser watches\nlast words\n');
});

test('no token: refused before anything is relayed', async () => {
  const before = logLines.length;
  const r = await fetch(`${a.url}${outputPath}`, { redirect: 'manual' });
  assert.equal(r.status, 401);
  assert.equal(
    logLines.slice(before).some((l) => l.includes('relayed from peer')),
    false,
  );
});

test('a relayed request is never relayed again: a peer URL pointing back is a 404, not a loop', async () => {
  const port = await freePort();
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const self = await startDashboard({
    host: '127.0.0.1',
    port,
    endpoint: endpointFrom(kc.getCurrentCluster()),
    output: undefined,
    nodeName: 'node-s',
    // Every node's replica is this one.
    peerUrl: `http://127.0.0.1:${port}`,
    log: silentLogger(),
  });
  dashboards.push(self);
  const r = await fetch(`${self.url}${outputPath}`, { headers: bearer() });
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { reason: string }).reason, 'OnOtherNode');
});

test('a node that is not a live replica gets no token: a 404, nothing relayed', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const d = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    endpoint: endpointFrom(kc.getCurrentCluster()),
    output: undefined,
    nodeName: 'node-e',
    peerUrl: `http://{node}:${b.port}`,
    isPeer: (node) => node === 'node-a',
    log: silentLogger(),
  });
  dashboards.push(d);
  const before = logLines.length;
  const r = await fetch(`${d.url}${outputPath}`, { headers: bearer() });
  assert.equal(r.status, 404);
  assert.deepEqual(await r.json(), {
    reason: 'OnOtherNode',
    message:
      'run j-100 ran on node 127.0.0.1, which is not a live replica of this operator; its output cannot be fetched',
  });
  assert.equal(
    logLines.slice(before).some((l) => l.includes('/runs/j-100/output')),
    false,
    'B was not asked',
  );
});

test('a peer that is down, or does not answer within the deadline, is a 502 naming the node', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const deadPort = await freePort();
  const { port: silentPort } = silentPeer.address() as { port: number };
  for (const [port, want] of [
    [
      deadPort,
      /^the operator replica on node 127\.0\.0\.1 \(http:\/\/127\.0\.0\.1:\d+\) could not be reached: /,
    ],
    [silentPort, /^the operator replica on node 127\.0\.0\.1 did not answer within 300 ms$/],
  ] as const) {
    const d = await startDashboard({
      host: '127.0.0.1',
      port: 0,
      endpoint: endpointFrom(kc.getCurrentCluster()),
      output: undefined,
      nodeName: 'node-d',
      peerUrl: `http://{node}:${port}`,
      peerTimeouts: { headersTimeoutMs: 300 },
      log: silentLogger(),
    });
    dashboards.push(d);
    const r = await fetch(`${d.url}${outputPath}`, { headers: bearer() });
    assert.equal(r.status, 502);
    const body = (await r.json()) as { reason: string; message: string };
    assert.equal(body.reason, 'PeerUnavailable');
    assert.match(body.message, want);
  }
});

test('without --dashboard-peer-url the answer names the node', async () => {
  const r = await fetch(`${lonely.url}${outputPath}`, { headers: bearer() });
  assert.equal(r.status, 404);
  assert.deepEqual(await r.json(), {
    reason: 'OnOtherNode',
    message: 'run j-100 ran on node 127.0.0.1; its output is kept by the operator replica on that node',
  });
});

test('the token is in no log line of either replica', () => {
  assert.ok(
    logLines.some((l) => l.includes('relayed from peer')),
    'A logged its relays (debug)',
  );
  assert.ok(
    logLines.some((l) => l.includes('/runs/j-100/output')),
    'B logged the relayed requests',
  );
  assert.equal(logLines.filter((l) => l.includes(api.token)).length, 0);
});
