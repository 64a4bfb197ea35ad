/**
 * The real kubectl reading from the embedded API server: server-side Tables (columns, -A, -l,
 * --show-labels, -o wide), -o yaml/json, describe with Events, explain from OpenAPI v3, and
 * patches of the object and of its status subresource.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await api.kubectl(args, stdin === undefined ? {} : { stdin });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

const job = (name: string, ns: string, labels: string, image: string) => `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {${labels}}
spec:
  schedule: "@hourly"
  run:
    image: ${image}
`;

before(async () => {
  api = await startTestApiServer();
  await ok(['create', 'namespace', 'ops']);
  await ok(['apply', '-f', '-'], job('alpha', 'default', 'team: web', 'alpine:3.20'));
  await ok(['apply', '-f', '-'], job('beta', 'ops', 'team: ops, tier: db', 'postgres:16'));
});
after(async () => {
  await api?.close();
});

/** kubectl's columns, cut at the header's column starts (empty cells stay in place). */
function rows(out: string): string[][] {
  const lines = out.replace(/\n+$/, '').split('\n');
  const header = lines[0]!;
  const starts = [...header.matchAll(/(?:^|(?<=\s{2}))\S/g)].map((m) => m.index!);
  return lines.map((l) => starts.map((s, i) => l.slice(s, starts[i + 1] ?? l.length).trim()));
}

test('get prints the server-side Table columns, with NAME first and AGE rendered', async () => {
  const [header, row] = rows(await ok(['get', 'sdj']));
  assert.deepEqual(header, [
    'NAME',
    'SCHEDULE',
    'TIMEZONE',
    'SUSPEND',
    'ACTIVE',
    'LAST SCHEDULE',
    'LAST RESULT',
    'NEXT',
    'AGE',
  ]);
  assert.equal(row![0], 'alpha');
  assert.equal(row![1], '@hourly');
  assert.match(row!.at(-1)!, /^\d+s$/);
});

test('get -A shows NAMESPACE, -l filters, --show-labels and -o wide use the row metadata and wide columns', async () => {
  const all = rows(await ok(['get', 'sdj', '-A']));
  assert.equal(all[0]![0], 'NAMESPACE');
  assert.deepEqual(
    all.slice(1).map((r) => `${r[0]}/${r[1]}`),
    ['default/alpha', 'ops/beta'],
  );
  const selected = rows(await ok(['get', 'sdj', '-A', '-l', 'team in (ops),tier']));
  assert.deepEqual(
    selected.slice(1).map((r) => r[1]),
    ['beta'],
  );
  const labelled = await ok(['get', 'sdj', '-n', 'ops', '--show-labels']);
  assert.match(labelled, /LABELS/);
  assert.match(labelled, /team=ops,tier=db/);
  const wide = rows(await ok(['get', 'sdj', '-n', 'ops', '-o', 'wide']));
  assert.ok(wide[0]!.includes('IMAGE'));
  assert.ok(wide[1]!.includes('postgres:16'));
  assert.match(await ok(['get', 'sdj', 'beta', '-n', 'ops']), /^NAME\s+SCHEDULE/);
});

test('get -o yaml and -o json return the stored objects with resourceVersions', async () => {
  const list = JSON.parse(await ok(['get', 'sdj', '-A', '-o', 'json'])) as {
    items: { metadata: { name: string; resourceVersion: string; uid: string }; spec: { timeZone: string } }[];
  };
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['alpha', 'beta'],
  );
  assert.ok(list.items.every((i) => /^\d+$/.test(i.metadata.resourceVersion) && i.metadata.uid));
  assert.equal(list.items[0]!.spec.timeZone, 'UTC', 'defaults are applied by the server');
  const yaml = await ok(['get', 'sdj', 'beta', '-n', 'ops', '-o', 'yaml']);
  assert.match(yaml, /^apiVersion: ofelia.dev\/v1alpha1\nkind: ScheduledDockerJob\n/);
  assert.match(yaml, /image: postgres:16/);
});

test('describe shows the events recorded for the object', async () => {
  const uid = await ok(['get', 'sdj', 'alpha', '-o', 'jsonpath={.metadata.uid}']);
  const ev = (name: string, involved: string, involvedUid: string, reason: string) => `apiVersion: v1
kind: Event
metadata:
  name: ${name}
  namespace: default
involvedObject:
  apiVersion: ofelia.dev/v1alpha1
  kind: ScheduledDockerJob
  name: ${involved}
  namespace: default
  uid: ${involvedUid}
reason: ${reason}
message: run ${reason} for ${involved}
type: Normal
count: 1
source:
  component: ofelia-operator
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
`;
  await ok(['create', '-f', '-'], ev('alpha.1', 'alpha', uid, 'RunSucceeded'));
  await ok(['create', '-f', '-'], ev('other.1', 'other', 'x', 'RunFailed'));
  const out = await ok(['describe', 'sdj', 'alpha']);
  assert.match(out, /Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
  assert.match(out, /Normal\s+RunSucceeded\s+.*ofelia-operator\s+run RunSucceeded for alpha/);
  assert.doesNotMatch(out, /RunFailed/);
  const events = rows(await ok(['get', 'events']));
  assert.deepEqual(events[0]!.slice(0, 4), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT']);
  assert.ok(events.some((r) => r.includes('scheduleddockerjob/alpha')));
});

test('explain reads field documentation from the OpenAPI v3 document', async () => {
  const out = await ok(['explain', 'sdj.spec.run']);
  assert.match(out, /KIND:\s+ScheduledDockerJob/);
  assert.match(out, /FIELD: run <Object>/);
  assert.match(out, /image\s+<string> -required-/);
  assert.match(await ok(['explain', 'sdj.metadata.labels']), /map\[string\]string/);
});

test('patch --type=merge changes the object, and a patch that changes nothing says "(no change)"', async () => {
  assert.match(
    await ok(['patch', 'sdj', 'alpha', '--type=merge', '-p', '{"spec":{"suspend":true}}']),
    /alpha patched$/m,
  );
  assert.match(
    await ok(['patch', 'sdj', 'alpha', '--type=merge', '-p', '{"spec":{"suspend":true}}']),
    /patched \(no change\)/,
  );
  assert.match(
    await ok([
      'patch',
      'sdj',
      'alpha',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/suspend","value":true},{"op":"replace","path":"/spec/suspend","value":false}]',
    ]),
    /patched/,
  );
  const r = await api.kubectl([
    'patch',
    'sdj',
    'alpha',
    '--type=json',
    '-p',
    '[{"op":"test","path":"/spec/suspend","value":true}]',
  ]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /test failed/);
});

test('patch --subresource=status changes only status and shows up in the Table', async () => {
  const gen = await ok(['get', 'sdj', 'alpha', '-o', 'jsonpath={.metadata.generation}']);
  await ok([
    'patch',
    'sdj',
    'alpha',
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":{"lastResult":"Succeeded","activeCount":2},"spec":{"schedule":"@daily"}}',
  ]);
  const out = await ok([
    'get',
    'sdj',
    'alpha',
    '-o',
    'jsonpath={.status.lastResult} {.spec.schedule} {.metadata.generation}',
  ]);
  assert.equal(out, `Succeeded @hourly ${gen}`);
  const [header, row] = rows(await ok(['get', 'sdj', 'alpha']));
  assert.equal(row![header!.indexOf('LAST RESULT')], 'Succeeded');
  assert.equal(row![header!.indexOf('ACTIVE')], '2');
});
