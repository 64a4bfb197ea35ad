/**
 * The official Python client (Debian's python3-kubernetes 22.6, a client no one here wrote)
 * against the embedded API server: CRUD, paging with continue tokens, the status subresource, a
 * 409 on a stale write, 422 causes, watch (the client sends `watch=True`) and a core API call.
 * The checks live in clients/python_client.py; each prints "ok NAME".
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { run } from '../helpers/manifests.ts';
import { PYTHON3, requirePythonClient } from '../helpers/old-clients.ts';

const SCRIPT = fileURLToPath(new URL('./clients/python_client.py', import.meta.url));
const STEPS = [
  'create',
  'get',
  'paging',
  'patch',
  'status subresource',
  '409 on a stale write',
  '422 with field paths',
  'watch',
  'core api',
  'delete',
];
let api: TestApiServer;

before(async () => {
  await requirePythonClient();
  api = await startTestApiServer();
  const ns = await api.kubectl(['create', 'namespace', 'python-e2e']);
  assert.equal(ns.code, 0, ns.stderr);
});
after(() => api?.close());

test('python3-kubernetes: CRUD, paging, status, 409, 422, watch=True and the core API work', async () => {
  const r = await run(PYTHON3, [SCRIPT, api.kubeconfig, 'python-e2e'], 120_000);
  const done = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('ok '))
    .map((l) => l.slice(3));
  assert.deepEqual(done, STEPS, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
});
