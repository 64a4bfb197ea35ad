/**
 * The operator as users run it: `bin/ofelia-operator.js run` in embedded mode (temporary data
 * directory, free ports, leader election on), the real kubectl against the kubeconfig it writes,
 * the real Docker daemon. A job runs and kubectl shows it; /metrics has every metric family with
 * real values; /healthz and /readyz answer; SIGTERM with a run in flight lets it finish within the
 * grace period, writes its status, and exits 0; with a short grace period the run is cancelled.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LABELS } from '../../src/api/run-identity.ts';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { getJob as getJobWith, waitFor as pollUntil } from '../helpers/operator.ts';
import { type OperatorProcess, startOperatorProcess } from '../helpers/operator-process.ts';

let tmp: string;
let dataDir: string;
let docker: Awaited<ReturnType<typeof testDocker>>;
let op: OperatorProcess | undefined;

// ---- the operator process (leader election on), kubectl, /metrics ------------------------------

function startOperator(extra: string[]): Promise<OperatorProcess> {
  return startOperatorProcess({
    home: tmp,
    dataDir,
    args: [
      '--node-name',
      'e2e-node',
      '--leader-elect',
      '--leader-elect-namespace',
      'ofelia-system',
      ...extra,
    ],
  });
}

/** Polls for up to a minute (the operator's first runs and status writes take seconds). */
function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  return pollUntil(what, probe, 60_000);
}

const kubectl = (args: string[], stdin?: string) => op!.kubectl(args, { stdin });
const getJob = (name: string) => getJobWith(op!.kubectl, name);

function job(name: string, spec: Record<string, unknown>, command: string): string {
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      run: { image: TEST_IMAGE, network: 'none', pullPolicy: 'Never', command: ['sh', '-c', command] },
    },
  });
}

/** Samples of the Prometheus text format: `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${op!.httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return samples;
}

function sample(
  samples: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    if (want.every((w) => key.includes(w))) return value;
  }
  return undefined;
}

// ---- the tests --------------------------------------------------------------------------------

before(async () => {
  docker = await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-operator-e2e-'));
  dataDir = join(tmp, 'data');
  op = await startOperator(['--shutdown-grace', '30s']);
});

after(async () => {
  await op?.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('a job applied with kubectl runs on the Docker daemon and kubectl get sdj shows its LAST RESULT', async () => {
  const applied = await kubectl(
    ['apply', '-f', '-'],
    job('quick', { schedule: '@every 2s' }, 'echo quick run'),
  );
  assert.equal(applied.code, 0, applied.stderr);
  const slow = await kubectl(
    ['apply', '-f', '-'],
    job('slow', { schedule: '@every 1s', concurrencyPolicy: 'Forbid' }, 'sleep 3; echo slow done'),
  );
  assert.equal(slow.code, 0, slow.stderr);

  const quick = await waitFor('quick to succeed', async () => {
    const j = await getJob('quick');
    return j?.status?.lastResult === 'Succeeded' && j;
  });
  assert.ok((quick.status?.counters?.succeeded ?? 0) >= 1);
  const table = await kubectl(['get', 'sdj', 'quick']);
  assert.equal(table.code, 0, table.stderr);
  const [header, row] = table.stdout.trim().split('\n');
  assert.match(header ?? '', /LAST RESULT/);
  assert.match(row ?? '', /^quick\s.*\sSucceeded\s/);
});

test('/metrics carries every metric family with real values', async () => {
  // The slow job (Forbid, a run takes 3 s, due every second) has had runs skipped and succeeded.
  const samples = await waitFor('slow to have succeeded and skipped', async () => {
    const s = await scrape();
    const skipped = sample(s, 'ofelia_skipped_runs_total', { reason: 'JobAlreadyActive' }) ?? 0;
    const succeeded = sample(s, 'ofelia_runs_total', { result: 'Succeeded', kind: 'run' }) ?? 0;
    // The quick job's own count too: two successes overall may be one of each job.
    const quick =
      sample(s, 'ofelia_job_runs_total', { namespace: 'default', job: 'quick', result: 'Succeeded' }) ?? 0;
    return skipped >= 1 && succeeded >= 2 && quick >= 2 && s;
  });
  const nowSeconds = Date.now() / 1000;
  const expectations: { name: string; labels?: Record<string, string>; check: (v: number) => boolean }[] = [
    // runs
    { name: 'ofelia_runs_total', labels: { result: 'Succeeded', kind: 'run' }, check: (v) => v >= 2 },
    { name: 'ofelia_run_duration_seconds_count', labels: { result: 'Succeeded' }, check: (v) => v >= 2 },
    { name: 'ofelia_run_duration_seconds_sum', labels: { result: 'Succeeded' }, check: (v) => v > 0 },
    { name: 'ofelia_run_output_bytes_total', labels: { stream: 'stdout' }, check: (v) => v > 0 },
    // scheduler
    { name: 'ofelia_schedule_lag_seconds_count', check: (v) => v >= 2 },
    { name: 'ofelia_active_runs', check: (v) => v >= 0 },
    { name: 'ofelia_runs_queued', check: (v) => v >= 0 },
    { name: 'ofelia_scheduled_jobs', check: (v) => v === 2 },
    {
      name: 'ofelia_next_schedule_time_seconds',
      labels: { namespace: 'default', job: 'quick' },
      check: (v) => v > nowSeconds - 5 && v < nowSeconds + 60,
    },
    {
      name: 'ofelia_job_runs_total',
      labels: { namespace: 'default', job: 'quick', result: 'Succeeded' },
      check: (v) => v >= 2,
    },
    { name: 'ofelia_missed_runs_total', check: (v) => v >= 0 },
    { name: 'ofelia_skipped_runs_total', labels: { reason: 'JobAlreadyActive' }, check: (v) => v >= 1 },
    // docker
    {
      name: 'ofelia_docker_request_duration_seconds_count',
      labels: { daemon: 'local', operation: 'container.create' },
      check: (v) => v >= 2,
    },
    {
      name: 'ofelia_docker_request_duration_seconds_count',
      labels: { daemon: 'local', operation: 'container.start' },
      check: (v) => v >= 2,
    },
    { name: 'ofelia_docker_breaker_state', labels: { daemon: 'local' }, check: (v) => v === 0 },
    {
      name: 'ofelia_docker_pool_sockets',
      labels: { daemon: 'local', pool: 'control' },
      check: (v) => v >= 0,
    },
    { name: 'ofelia_docker_pool_sockets', labels: { daemon: 'local', pool: 'stream' }, check: (v) => v >= 0 },
    { name: 'ofelia_docker_bulkhead_queue_length', labels: { daemon: 'local' }, check: (v) => v >= 0 },
    // status writes and events
    { name: 'ofelia_status_writes_total', labels: { result: 'success' }, check: (v) => v >= 2 },
    { name: 'ofelia_status_write_queue_depth', check: (v) => v >= 0 },
    { name: 'ofelia_status_write_delay_seconds_count', check: (v) => v >= 2 },
    { name: 'ofelia_events_total', labels: { result: 'created' }, check: (v) => v >= 1 },
    // controller-runtime names
    {
      name: 'controller_runtime_reconcile_total',
      labels: { controller: 'scheduleddockerjob', result: 'success' },
      check: (v) => v >= 2,
    },
    { name: 'controller_runtime_reconcile_time_seconds_count', check: (v) => v >= 2 },
    { name: 'workqueue_adds_total', labels: { name: 'scheduleddockerjob' }, check: (v) => v >= 2 },
    { name: 'workqueue_depth', labels: { name: 'scheduleddockerjob' }, check: (v) => v >= 0 },
    { name: 'workqueue_queue_duration_seconds_count', check: (v) => v >= 2 },
    { name: 'workqueue_work_duration_seconds_count', check: (v) => v >= 2 },
    { name: 'leader_election_master_status', check: (v) => v === 1 },
    // embedded API server
    // (every call of the operator is in-process, not an HTTP request: the POSTs are kubectl's
    // creates, and no HTTP watch is open — the operator's informers watch the hub directly)
    { name: 'ofelia_apiserver_requests_total', labels: { verb: 'POST', code: '2xx' }, check: (v) => v >= 1 },
    { name: 'ofelia_apiserver_watchers', check: (v) => v === 0 },
    // process
    { name: 'ofelia_build_info', check: (v) => v === 1 },
    { name: 'process_cpu_seconds_total', check: (v) => v > 0 },
    { name: 'process_resident_memory_bytes', check: (v) => v > 0 },
    { name: 'nodejs_heap_size_used_bytes', check: (v) => v > 0 },
    { name: 'nodejs_eventloop_lag_seconds', check: (v) => v >= 0 },
  ];
  const wrong = expectations
    .map((e) => ({ ...e, value: sample(samples, e.name, e.labels) }))
    .filter((e) => e.value === undefined || !e.check(e.value))
    .map((e) => `${e.name}${JSON.stringify(e.labels ?? {})} = ${e.value}`);
  assert.deepEqual(wrong, [], 'metrics missing or with unexpected values');
});

test('/healthz and /readyz answer, /readyz?verbose lists every check', async () => {
  const health = await fetch(`${op!.httpUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok\n');
  const ready = await fetch(`${op!.httpUrl}/readyz?verbose`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(ready.status, 200);
  assert.equal(
    await ready.text(),
    '[+]event-loop ok\n[+]started ok\n[+]docker-local ok\n[+]controller ok\nreadyz check passed\n',
  );
});

test('SIGTERM with a run in flight: it finishes within the grace period, its status is written, exit 0', async () => {
  // Stop the quick job so the only run in flight is the slow one we watch.
  await kubectl(['patch', 'sdj', 'quick', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  const inFlight = await waitFor('a slow run in flight', async () => {
    const j = await getJob('slow');
    return j?.status?.active?.[0]?.name;
  });
  op!.signal('SIGTERM');
  assert.equal((await op!.waitForExit()).code, 0);
  const finished = op!.logs.find((l) => l.msg === 'run finished' && l.run === inFlight);
  assert.equal(finished?.result, 'Succeeded', `log of ${inFlight}: ${JSON.stringify(finished)}`);
  assert.ok(op!.logs.some((l) => l.msg === 'operator stopped'));

  // The status written before exit is there after a restart on the same data directory.
  op = await startOperator(['--shutdown-grace', '1s']);
  const slow = await getJob('slow');
  assert.equal(slow?.status?.recentRuns?.find((r) => r.name === inFlight)?.result, 'Succeeded');
});

test('SIGTERM past the grace period: the run is cancelled, its container removed, exit 0', async () => {
  await kubectl(['delete', 'sdj', 'slow', 'quick', '--wait=true']);
  const applied = await kubectl(['apply', '-f', '-'], job('long', { schedule: '@manual' }, 'sleep 120'));
  assert.equal(applied.code, 0, applied.stderr);
  const trigger = await kubectl([
    'annotate',
    'sdj',
    'long',
    `ofelia.dev/run-now=${Date.now()}`,
    '--overwrite',
  ]);
  assert.equal(trigger.code, 0, trigger.stderr);
  const long = await waitFor('the long run in flight', async () => {
    const j = await getJob('long');
    return j?.status?.active?.[0]?.name ? j : undefined;
  });
  const inFlight = long.status!.active![0]!.name;
  op!.signal('SIGTERM');
  assert.equal((await op!.waitForExit()).code, 0);
  const finished = op!.logs.find((l) => l.msg === 'run finished' && l.run === inFlight);
  assert.equal(finished?.result, 'Cancelled', `log of ${inFlight}: ${JSON.stringify(finished)}`);
  if ('docker' in docker) {
    const left = await docker.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.jobUid}=${long.metadata.uid}`] },
    });
    assert.deepEqual(
      left.map((c) => c.State),
      [],
      'no container of the cancelled run is left',
    );
  }
});
