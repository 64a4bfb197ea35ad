/**
 * The real kubectl's long-running requests against the embedded API server: `get -w` (list then
 * watch, Table events), `get NAME -w` (field selector, resourceVersion=0 replay), and `delete`,
 * which waits on a watch until a finalizer is removed by another client.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
before(async () => {
  api = await startTestApiServer();
});
after(async () => {
  await api?.close();
});

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await api.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const job = (name: string, extraMeta = '') => `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: ${name}
${extraMeta}spec:
  schedule: "@hourly"
  run:
    image: local/busybox:test
`;

test('get -w prints the object when it is added, then again when it is modified', async () => {
  await ok(['apply', '-f', '-'], job('w-existing'));
  const watch = api.kubectlStream(['get', 'sdj', '-w']);
  try {
    await watch.waitForLine(/^NAME\s+SCHEDULE/);
    await watch.waitForLine(/^w-existing\s+@hourly\s+UTC\s+false/);
    const mark = watch.lines.length;
    await ok(['apply', '-f', '-'], job('w-new'));
    await watch.waitForLine(/^w-new\s+@hourly\s+UTC\s+false/, { from: mark });
    const mark2 = watch.lines.length;
    await ok(['patch', 'sdj', 'w-new', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await watch.waitForLine(/^w-new\s+@hourly\s+UTC\s+true/, { from: mark2 });
  } finally {
    await watch.stop();
  }
});

test('get NAME -w replays the current object, then follows only that object', async () => {
  await ok(['apply', '-f', '-'], job('w-one'));
  await ok(['apply', '-f', '-'], job('w-two'));
  const watch = api.kubectlStream([
    'get',
    'sdj',
    'w-one',
    '-w',
    '-o',
    'jsonpath={.metadata.name}={.spec.suspend}{"\\n"}',
  ]);
  try {
    await watch.waitForLine(/^w-one=false$/);
    const mark = watch.lines.length;
    await ok(['patch', 'sdj', 'w-two', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await ok(['patch', 'sdj', 'w-one', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await watch.waitForLine(/^w-one=true$/, { from: mark });
    assert.ok(!watch.lines.some((l) => l.startsWith('w-two')), watch.lines.join('\n'));
  } finally {
    await watch.stop();
  }
});

test('delete of a plain object returns once it is gone', async () => {
  await ok(['apply', '-f', '-'], job('d-plain'));
  assert.match(await ok(['delete', 'sdj', 'd-plain']), /scheduleddockerjob.ofelia.dev "d-plain" deleted/);
  const r = await api.kubectl(['get', 'sdj', 'd-plain']);
  assert.match(
    r.stderr,
    /Error from server \(NotFound\): scheduleddockerjobs.ofelia.dev "d-plain" not found/,
  );
});

test('delete with a finalizer waits until another client removes the finalizer', async () => {
  await ok(['apply', '-f', '-'], job('d-final', '  finalizers: ["ofelia.dev/cleanup"]\n'));
  const deleting = api.kubectl(['delete', 'sdj', 'd-final', '--timeout=60s'], { timeoutMs: 70_000 });
  // The object stays, marked for deletion, while the finalizer is there.
  let marked = '';
  for (let i = 0; i < 100 && !marked; i++) {
    marked = await ok(['get', 'sdj', 'd-final', '-o', 'jsonpath={.metadata.deletionTimestamp}']);
    if (!marked) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(marked, /^\d{4}-\d\d-\d\dT/);
  let settled = false;
  void deleting.then(() => {
    settled = true;
  });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(settled, false, 'kubectl delete must still be waiting');
  await ok([
    'patch',
    'sdj',
    'd-final',
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/metadata/finalizers"}]',
  ]);
  const r = await deleting;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"d-final" deleted/);
  assert.notEqual((await api.kubectl(['get', 'sdj', 'd-final'])).code, 0);
});
