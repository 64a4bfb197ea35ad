/**
 * kubectl 1.20 (Debian's kubernetes-client, extracted by hack/old-clients.sh, never on PATH)
 * against the embedded API server: an older client that reads OpenAPI v2 (protobuf) for explain
 * and client-side validation, has no --subresource flag and pages lists with --chunk-size.
 * Covers CRUD, watch, the status subresource, paging, 409 on a stale write and explain.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { run } from '../helpers/manifests.ts';
import { KUBECTL_120, requireKubectl120 } from '../helpers/old-clients.ts';
import { waitFor } from '../helpers/operator.ts';

let api: TestApiServer;
let flags: string[];

before(async () => {
  requireKubectl120();
  api = await startTestApiServer();
  flags = ['--kubeconfig', api.kubeconfig, '--cache-dir', join(api.home, 'kubectl-1.20-cache')];
});
after(() => api?.close());

const k120 = (args: string[]) => run(KUBECTL_120, [...flags, ...args], 60_000);
const k120In = (args: string[], stdin: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(KUBECTL_120, [...flags, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });

function manifest(name: string, schedule = '@every 1h', resourceVersion?: string): string {
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name,
      namespace: 'default',
      labels: { suite: 'k120' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: { schedule, suspend: true, run: { image: 'local/busybox:test', command: ['echo', name] } },
  });
}

test('kubectl 1.20: apply creates and updates, get and delete work', async () => {
  const created = await k120In(['apply', '-f', '-'], manifest('old-a'));
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /scheduleddockerjob.ofelia.dev\/old-a created/);
  const updated = await k120In(['apply', '-f', '-'], manifest('old-a', '@every 2h'));
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /configured/);
  const got = await k120(['get', 'sdj', 'old-a', '-o', 'json']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(JSON.parse(got.stdout).spec.schedule, '@every 2h');
  const table = await k120(['get', 'sdj']);
  assert.match(table.stdout, /^NAME\s+SCHEDULE/m);
  assert.match(table.stdout, /^old-a\s+@every 2h/m);
  const deleted = await k120(['delete', 'sdj', 'old-a']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal((await k120(['get', 'sdj', 'old-a'])).code, 1);
});

test('kubectl 1.20: explain reads the OpenAPI v2 document (kind, nested fields, built-in kinds)', async () => {
  const kind = await k120(['explain', 'sdj']);
  assert.equal(kind.code, 0, kind.stderr);
  assert.match(kind.stdout, /KIND:\s+ScheduledDockerJob/);
  assert.match(kind.stdout, /VERSION:\s+ofelia.dev\/v1alpha1/);
  const field = await k120(['explain', 'sdj.spec.run.command']);
  assert.equal(field.code, 0, field.stderr);
  assert.match(field.stdout, /FIELD:\s+command <\[\]string>/);
  const lease = await k120(['explain', 'lease.spec.holderIdentity']);
  assert.equal(lease.code, 0, lease.stderr);
});

test('kubectl 1.20: client-side validation from OpenAPI v2 refuses an unknown field', async () => {
  const bad = JSON.parse(manifest('old-bad'));
  bad.spec.bogus = 1;
  const r = await k120In(['apply', '-f', '-'], JSON.stringify(bad));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown field "bogus"/);
});

test('kubectl 1.20: a replace with a stale resourceVersion is a 409 Conflict', async () => {
  assert.equal((await k120In(['create', '-f', '-'], manifest('old-c'))).code, 0);
  const rv = (await k120(['get', 'sdj', 'old-c', '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout;
  assert.equal((await k120In(['replace', '-f', '-'], manifest('old-c', '@every 3h', rv))).code, 0);
  const stale = await k120In(['replace', '-f', '-'], manifest('old-c', '@every 4h', rv));
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /Operation cannot be fulfilled .*the object has been modified/);
});

test('kubectl 1.20: --chunk-size pages the list with continue tokens', async () => {
  for (const n of ['old-p1', 'old-p2', 'old-p3'])
    assert.equal((await k120In(['create', '-f', '-'], manifest(n))).code, 0);
  const r = await k120(['get', 'sdj', '-l', 'suite=k120', '--chunk-size=2', '-o', 'name', '-v=6']);
  assert.equal(r.code, 0, r.stderr);
  for (const n of ['old-c', 'old-p1', 'old-p2', 'old-p3']) assert.match(r.stdout, new RegExp(`/${n}$`, 'm'));
  assert.match(r.stderr, /limit=2/);
  assert.match(r.stderr, /continue=/);
});

test('kubectl 1.20: the status subresource is readable and status is kept out of main writes', async () => {
  const path = '/apis/ofelia.dev/v1alpha1/namespaces/default/scheduleddockerjobs/old-c/status';
  // The 1.32 kubectl writes status (1.20 has no --subresource); 1.20 reads it back.
  const patched = await api.kubectl([
    'patch',
    'sdj',
    'old-c',
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":{"counters":{"succeeded":7}}}',
  ]);
  assert.equal(patched.code, 0, patched.stderr);
  const status = await k120(['get', '--raw', path]);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).status.counters.succeeded, 7);
  const main = await k120([
    'patch',
    'sdj',
    'old-c',
    '--type=merge',
    '-p',
    '{"status":{"counters":{"succeeded":1}}}',
  ]);
  assert.equal(main.code, 0, main.stderr);
  assert.equal(JSON.parse((await k120(['get', '--raw', path])).stdout).status.counters.succeeded, 7);
});

test('kubectl 1.20: get -w prints the object, then its change', async () => {
  const child = spawn(KUBECTL_120, [
    ...flags,
    'get',
    'sdj',
    'old-c',
    '-w',
    '-o',
    'jsonpath={.spec.schedule}{"\\n"}',
  ]);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await waitFor('the current object', async () => out.includes('@every 3h'));
    const changed = await api.kubectl([
      'patch',
      'sdj',
      'old-c',
      '--type=merge',
      '-p',
      '{"spec":{"schedule":"@every 9h"}}',
    ]);
    assert.equal(changed.code, 0, changed.stderr);
    await waitFor('the change to be printed', async () => out.includes('@every 9h'));
  } finally {
    clearTimeout(killer);
    child.kill('SIGTERM');
  }
});
