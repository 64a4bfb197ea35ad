import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTable, wantsTable } from '../../../../src/apiserver/http/tables.ts';
import { evalJsonPath, formatAge, humanDuration } from '../../../../src/apiserver/kinds/column-values.ts';
import { eventKind } from '../../../../src/apiserver/kinds/event.ts';
import { scheduledDockerJobKind } from '../../../../src/apiserver/kinds/scheduled-docker-job.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

// Kubernetes' duration.HumanDuration, boundary by boundary.
const durations: { ms: number; want: string }[] = [
  { ms: -5 * S, want: '<invalid>' },
  { ms: -1 * S, want: '0s' },
  { ms: 0, want: '0s' },
  { ms: 5 * S + 900, want: '5s' },
  { ms: 119 * S, want: '119s' },
  { ms: 2 * M, want: '2m' },
  { ms: 3 * M + 12 * S, want: '3m12s' },
  { ms: 9 * M + 59 * S, want: '9m59s' },
  { ms: 10 * M + 30 * S, want: '10m' },
  { ms: 179 * M, want: '179m' },
  { ms: 3 * H, want: '3h' },
  { ms: 3 * H + 5 * M, want: '3h5m' },
  { ms: 8 * H + 5 * M, want: '8h' },
  { ms: 47 * H, want: '47h' },
  { ms: 2 * D, want: '2d' },
  { ms: 2 * D + 5 * H, want: '2d5h' },
  { ms: 8 * D, want: '8d' },
  { ms: 400 * D, want: '400d' },
  { ms: 730 * D, want: '2y' },
  { ms: 800 * D, want: '2y70d' },
  { ms: 9 * 365 * D, want: '9y' },
];

for (const c of durations) {
  test(`humanDuration(${c.ms}) = ${c.want}`, () => assert.equal(humanDuration(c.ms), c.want));
}

const now = Date.UTC(2026, 0, 10, 12, 0, 0);
const ages: { ts: unknown; want: string | undefined }[] = [
  { ts: '2026-01-10T11:59:55Z', want: '5s' },
  { ts: '2026-01-08T12:00:00Z', want: '2d' },
  { ts: '2026-01-10T12:05:00Z', want: 'in 5m' },
  { ts: '2026-01-10T12:00:01Z', want: 'in 1s' },
  { ts: '2026-01-10T12:00:00.400Z', want: 'in 1s' },
  { ts: '2026-01-10T12:00:00Z', want: '0s' },
  { ts: '2026-01-10T12:00:10.500Z', want: 'in 11s' },
  { ts: 'not a time', want: undefined },
  { ts: '', want: undefined },
  { ts: undefined, want: undefined },
  { ts: 42, want: undefined },
];
for (const c of ages) {
  test(`formatAge(${JSON.stringify(c.ts)}) = ${c.want}`, () => assert.equal(formatAge(c.ts, now), c.want));
}

const doc = {
  spec: { run: { image: 'busybox', env: [{ name: 'A' }] } },
  metadata: { labels: { 'app.kubernetes.io/name': 'x' } },
};
const paths: { path: string; want: unknown }[] = [
  { path: '.spec.run.image', want: 'busybox' },
  { path: '.spec.run.env[0].name', want: 'A' },
  { path: '.spec.run.env[3].name', want: undefined },
  { path: ".metadata.labels['app.kubernetes.io/name']", want: 'x' },
  { path: '.spec.exec.container', want: undefined },
  { path: '.spec..run', want: undefined },
  { path: 'spec.run', want: undefined },
];
for (const c of paths) {
  test(`evalJsonPath(${c.path})`, () => assert.deepEqual(evalJsonPath(doc, c.path), c.want));
}

test('wantsTable recognises what kubectl get sends, not plain JSON', () => {
  assert.equal(
    wantsTable(
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json',
    ),
    true,
  );
  assert.equal(wantsTable('application/json'), false);
  assert.equal(wantsTable(undefined), false);
  assert.equal(wantsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), false);
});

test('a ScheduledDockerJob table: NAME first with format name, wide columns at priority 1, dates as ages, missing as null', () => {
  const kind = scheduledDockerJobKind();
  const job = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name: 'backup',
      namespace: 'ops',
      creationTimestamp: '2026-01-10T11:57:00Z',
      labels: { a: 'b' },
    },
    spec: { schedule: '@hourly', timeZone: 'UTC', suspend: false, run: { image: 'busybox' } },
    status: { lastScheduleTime: '2026-01-10T11:59:30Z' },
  };
  const table = buildTable(kind, [job], now, { resourceVersion: '7' }) as {
    kind: string;
    apiVersion: string;
    metadata: { resourceVersion: string };
    columnDefinitions: { name: string; format: string; priority: number }[];
    rows: { cells: unknown[]; object: { kind: string; metadata: { labels: unknown; namespace: string } } }[];
  };
  assert.equal(table.kind, 'Table');
  assert.equal(table.apiVersion, 'meta.k8s.io/v1');
  assert.equal(table.metadata.resourceVersion, '7');
  const names = table.columnDefinitions.map((c) => c.name);
  assert.equal(names[0], 'Name');
  assert.equal(table.columnDefinitions[0]!.format, 'name');
  const cell = (name: string) => table.rows[0]!.cells[names.indexOf(name)];
  assert.equal(cell('Name'), 'backup');
  assert.equal(cell('Schedule'), '@hourly');
  assert.equal(cell('Suspend'), false);
  assert.equal(cell('Last Schedule'), '30s');
  assert.equal(cell('Age'), '3m');
  assert.equal(cell('Last Result'), null);
  assert.equal(cell('Image'), 'busybox');
  assert.equal(table.columnDefinitions[names.indexOf('Image')]!.priority, 1);
  assert.equal(table.columnDefinitions[names.indexOf('Schedule')]!.priority, 0);
  assert.equal(table.rows[0]!.object.kind, 'PartialObjectMetadata');
  assert.deepEqual(table.rows[0]!.object.metadata.labels, { a: 'b' });
  assert.equal(table.rows[0]!.object.metadata.namespace, 'ops');
});

test('an Event table puts NAME last and only in wide output, and names the object kind/name', () => {
  const kind = eventKind();
  const ev = {
    metadata: { name: 'backup.1', namespace: 'ops' },
    involvedObject: { kind: 'ScheduledDockerJob', name: 'backup' },
    type: 'Normal',
    reason: 'RunSucceeded',
    message: 'ok',
    lastTimestamp: '2026-01-10T11:59:00Z',
  };
  const t = buildTable(kind, [ev], now, { includeObject: 'None' }) as {
    columnDefinitions: { name: string; priority: number }[];
    rows: { cells: unknown[]; object?: unknown }[];
  };
  const names = t.columnDefinitions.map((c) => c.name);
  assert.deepEqual(names.slice(0, 4), ['Last Seen', 'Type', 'Reason', 'Object']);
  assert.equal(names.at(-1), 'Name');
  assert.equal(t.columnDefinitions.at(-1)!.priority, 1);
  assert.equal(t.rows[0]!.cells[0], '60s');
  assert.equal(t.rows[0]!.cells[3], 'scheduleddockerjob/backup');
  assert.equal(t.rows[0]!.cells.at(-1), 'backup.1');
  assert.equal(t.rows[0]!.object, undefined);
});
