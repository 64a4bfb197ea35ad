/**
 * The real kubectl against the embedded API server: apply (client-side and server-side), field
 * managers, dry runs, diff, namespaces, and the error texts users see.
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

function manifest(name: string, spec: string, extraMeta = ''): string {
  return `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: ${name}
${extraMeta}spec:
${spec}`;
}

const basic = (schedule: string, extra = '') =>
  `  schedule: "${schedule}"\n${extra}  run:\n    image: local/busybox:test\n    command: ["echo", "hi"]\n`;

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await api.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

async function fails(args: string[], stdin?: string): Promise<string> {
  const r = await api.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should fail:\n${r.stdout}`);
  return r.stderr;
}

const jsonpath = (name: string, path: string, ns = 'default') =>
  ok(['get', 'sdj', name, '-n', ns, '-o', `jsonpath=${path}`]);

test('apply creates, then updates, then reports unchanged', async () => {
  assert.match(
    await ok(['apply', '-f', '-'], manifest('apply1', basic('*/5 * * * *'))),
    /scheduleddockerjob.ofelia.dev\/apply1 created/,
  );
  assert.match(
    await ok(['apply', '-f', '-'], manifest('apply1', basic('*/10 * * * *'))),
    /apply1 configured/,
  );
  assert.equal(await jsonpath('apply1', '{.spec.schedule} {.metadata.generation}'), '*/10 * * * * 2');
  assert.match(await ok(['apply', '-f', '-'], manifest('apply1', basic('*/10 * * * *'))), /apply1 unchanged/);
  assert.equal(await jsonpath('apply1', '{.metadata.generation}'), '2');
});

test('server-side apply conflicts with the client-side apply manager, and --force-conflicts takes over', async () => {
  await ok(['apply', '-f', '-'], manifest('ssa1', basic('*/5 * * * *')));
  const err = await fails(['apply', '--server-side', '-f', '-'], manifest('ssa1', basic('*/7 * * * *')));
  assert.match(
    err,
    /Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using ofelia.dev\/v1alpha1: \.spec\.schedule/,
  );
  assert.equal(await jsonpath('ssa1', '{.spec.schedule}'), '*/5 * * * *');
  assert.match(
    await ok(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      manifest('ssa1', basic('*/7 * * * *')),
    ),
    /ssa1 serverside-applied/,
  );
  assert.equal(await jsonpath('ssa1', '{.spec.schedule}'), '*/7 * * * *');
});

test('server-side apply: two field managers, conflict text, and a field dropped from a manifest disappears', async () => {
  const withLabels = (schedule: string, suspend: boolean) =>
    manifest(
      'ssa2',
      basic(schedule, suspend ? '  suspend: true\n  jitterSeconds: 5\n' : ''),
      '  labels:\n    team: ops\n',
    );
  assert.match(
    await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], withLabels('@hourly', true)),
    /serverside-applied/,
  );
  const err = await fails(
    ['apply', '--server-side', '--field-manager=bob', '-f', '-'],
    manifest('ssa2', basic('@daily')),
  );
  assert.match(err, /conflict with "alice" using ofelia.dev\/v1alpha1: \.spec\.schedule/);
  assert.equal(await jsonpath('ssa2', '{.spec.jitterSeconds} {.spec.suspend}'), '5 true');
  // alice drops jitterSeconds and suspend: they leave the object (defaults come back) ...
  await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], withLabels('@hourly', false));
  assert.equal(
    await jsonpath('ssa2', '{.spec.jitterSeconds} {.spec.suspend} {.metadata.labels.team}'),
    '0 false ops',
  );
  const managed = JSON.parse(await jsonpath('ssa2', '{.metadata.managedFields}')) as {
    manager: string;
    operation: string;
  }[];
  assert.deepEqual(
    managed.map((m) => `${m.manager}/${m.operation}`),
    ['alice/Apply'],
  );
});

test('diff and apply --dry-run=server store nothing and keep the resourceVersion', async () => {
  await ok(['apply', '-f', '-'], manifest('dry1', basic('@hourly')));
  const rv = await jsonpath('dry1', '{.metadata.resourceVersion}');
  const diff = await api.kubectl(['diff', '-f', '-'], { stdin: manifest('dry1', basic('@daily')) });
  assert.equal(diff.code, 1, diff.stderr);
  assert.match(diff.stdout, /- {2}schedule: '@hourly'\n\+ {2}schedule: '@daily'/);
  assert.match(
    await ok(['apply', '--dry-run=server', '-f', '-'], manifest('dry1', basic('@daily'))),
    /configured \(server dry run\)/,
  );
  assert.match(
    await ok(['apply', '--dry-run=server', '-f', '-'], manifest('dry2', basic('@daily'))),
    /dry2 created \(server dry run\)/,
  );
  assert.equal(await jsonpath('dry1', '{.spec.schedule} {.metadata.resourceVersion}'), `@hourly ${rv}`);
  assert.match(await fails(['get', 'sdj', 'dry2']), /NotFound/);
});

test('create namespace, then apply -n into it; a missing namespace is refused like a real server', async () => {
  assert.match(await ok(['create', 'namespace', 'ops']), /namespace\/ops created/);
  assert.match(
    await ok(['apply', '-n', 'ops', '-f', '-'], manifest('nsjob', basic('@hourly'))),
    /nsjob created/,
  );
  assert.equal(await jsonpath('nsjob', '{.metadata.namespace}', 'ops'), 'ops');
  const err = await fails(['apply', '-n', 'nowhere', '-f', '-'], manifest('nsjob', basic('@hourly')));
  assert.match(err, /Error from server \(NotFound\).*namespaces "nowhere" not found/);
});

test('an invalid manifest prints the 422 causes the way kubectl does', async () => {
  const err = await fails(['apply', '-f', '-'], manifest('bad', '  schedule: "not a cron"\n'));
  assert.match(err, /The ScheduledDockerJob "bad" is invalid:/);
  assert.match(err, /spec\.schedule: Invalid value: "not a cron"/);
});

test('an unknown field is a strict decoding error for apply, a warning for create --validate=warn', async () => {
  const err = await fails(['apply', '-f', '-'], manifest('strict1', basic('@hourly', '  bogus: 1\n')));
  assert.match(err, /strict decoding error: unknown field "spec.bogus"/);
  const r = await api.kubectl(['create', '--validate=warn', '-f', '-'], {
    stdin: manifest('warn1', basic('@hourly', '  foo: 1\n')),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: unknown field "spec.foo"/);
  assert.equal(await jsonpath('warn1', '{.spec.foo}'), '');
});

test('client-side apply updates a Secret (strategic merge patch on a built-in kind)', async () => {
  const secret = (password: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: ${password}\n`;
  assert.match(await ok(['apply', '-f', '-'], secret('first')), /secret\/creds created/);
  assert.match(await ok(['apply', '-f', '-'], secret('second')), /secret\/creds configured/);
  const data = await ok(['get', 'secret', 'creds', '-o', 'jsonpath={.data.password} {.type}']);
  assert.equal(data, `${Buffer.from('second').toString('base64')} Opaque`);
});

test('without a valid token kubectl says Unauthorized', async () => {
  const err = await fails(['get', 'sdj', '--token=ofo_bogus_token']);
  assert.match(err, /Unauthorized/);
});
