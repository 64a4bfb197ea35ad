/**
 * Output of a run that another replica ran: replica B (node "127.0.0.1") keeps the run's output;
 * the job's status record names B's node. Replica A, asked for it, redirects (307) to B's dashboard
 * through --dashboard-peer-url, and `kubectl-sdj logs` against A follows the redirect and prints
 * B's output; without a peer URL the answer is a 404 naming the node. Real embedded API server,
 * real dashboards, real kubectl for the status write, the plugin as its own process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { type Dashboard, endpointFrom, startDashboard } from '../../src/dashboard/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { OutputStore } from '../../src/output/index.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { runToExit } from '../helpers/operator-process.ts';

const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kubectl-sdj');
let api: TestApiServer;
let tmp: string;
const dashboards: Dashboard[] = [];
const stores: OutputStore[] = [];
let a: Dashboard;
let b: Dashboard;
let lonely: Dashboard;

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
  const patched = await api.kubectl([
    'patch',
    'sdj',
    'j',
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { recentRuns: [record], lastRun: record } }),
  ]);
  assert.equal(patched.code, 0, patched.stderr);

  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const endpoint = endpointFrom(kc);
  const storeB = OutputStore.open({ dir: join(tmp, 'b'), log: silentLogger() });
  const id = { namespace: 'default', jobName: 'j', jobUid: 'u', scheduledTime: 100_000, attempt: 1 };
  storeB.begin(id);
  storeB.line(id, 'stdout', 'kept by replica b');
  await storeB.end(id, { result: 'Succeeded', exitCode: 0, finishTime: record.finishTime });
  const storeA = OutputStore.open({ dir: join(tmp, 'a'), log: silentLogger() });
  stores.push(storeA, storeB);
  const common = { host: '127.0.0.1', port: 0, endpoint, log: silentLogger() };
  b = await startDashboard({ ...common, output: storeB, nodeName: '127.0.0.1' });
  a = await startDashboard({
    ...common,
    output: storeA,
    nodeName: 'node-a',
    peerUrl: `http://{node}:${b.port}`,
  });
  lonely = await startDashboard({ ...common, output: storeA, nodeName: 'node-c' });
  dashboards.push(a, b, lonely);
});

after(async () => {
  for (const d of dashboards) await d.close();
  for (const s of stores) await s.close();
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const outputPath = '/api/jobs/default/j/runs/j-100/output';

test('the replica that did not run it redirects to the one that did, path and query kept', async () => {
  const r = await fetch(`${a.url}${outputPath}?follow=1`, {
    headers: { authorization: `Bearer ${api.token}` },
    redirect: 'manual',
  });
  assert.equal(r.status, 307);
  assert.equal(r.headers.get('location'), `http://127.0.0.1:${b.port}${outputPath}?follow=1`);
  const there = await fetch(r.headers.get('location')!, {
    headers: { authorization: `Bearer ${api.token}` },
  });
  assert.equal(there.status, 200);
  assert.match(await there.text(), / O kept by replica b\n$/);
});

test('the redirect is only for a reader of the job: no token, no redirect', async () => {
  const r = await fetch(`${a.url}${outputPath}`, { redirect: 'manual' });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('location'), null);
});

test('kubectl-sdj logs follows the redirect with the same token', async () => {
  const r = await runToExit({
    command: process.execPath,
    args: [PLUGIN, 'logs', 'j', '--run', 'j-100'],
    home: tmp,
    env: { KUBECONFIG: api.kubeconfig, OFELIA_DASHBOARD_URL: a.url },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'kept by replica b\n');
});

test('without --dashboard-peer-url the answer names the node', async () => {
  const r = await fetch(`${lonely.url}${outputPath}`, { headers: { authorization: `Bearer ${api.token}` } });
  assert.equal(r.status, 404);
  assert.deepEqual(await r.json(), {
    reason: 'OnOtherNode',
    message: 'run j-100 ran on node 127.0.0.1; its output is kept by the operator replica on that node',
  });
});
