/**
 * The controller end to end: the embedded API server (in this process), an operator process, the
 * real Docker daemon and the real kubectl. Jobs fire every 2 seconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '../../src/api/run-identity.ts';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';

const env = useControllerEnv({
  endOperatorsBy: 'stop',
  async setup({ startOperator }) {
    const operator = startOperator({ identity: 'solo' });
    await operator.waitForLog(/operator started/, { timeoutMs: 30_000 });
  },
});
const { kubectl } = env;

async function containersOf(uid: string) {
  return env.docker.docker.listContainers({ all: true, filters: { label: [`${LABELS.jobUid}=${uid}`] } });
}

test('a job every 2 seconds runs, and kubectl get sdj shows LAST RESULT and NEXT', async () => {
  await applyJob(kubectl, jobManifest('every-two', { schedule: '*/2 * * * * *' }));
  const job = await waitFor('two successful runs', async () => {
    const j = await getJob(kubectl, 'every-two');
    return (j?.status?.counters?.succeeded ?? 0) >= 2 && j;
  });
  assert.equal(job.status?.lastResult, 'Succeeded');
  assert.ok(job.metadata.finalizers?.includes('ofelia.dev/cleanup'));
  assert.ok(job.status?.nextScheduleTime);
  const ready = job.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  const names = job.status?.recentRuns?.map((r) => r.name) ?? [];
  assert.equal(new Set(names).size, names.length, 'no run twice');
  for (const r of job.status?.recentRuns ?? []) assert.equal(Date.parse(r.scheduledTime) % 2000, 0);
  const table = await kubectl(['get', 'sdj', 'every-two']);
  assert.equal(table.code, 0, table.stderr);
  const [header, row] = table.stdout.trim().split('\n');
  assert.match(header ?? '', /LAST RESULT/);
  assert.match(header ?? '', /NEXT/);
  assert.match(row ?? '', /Succeeded/);
  await kubectl(['delete', 'sdj', 'every-two', '--wait=true']);
});

const patchJob = (name: string, patch: unknown) =>
  kubectl(['patch', 'sdj', name, '--type=merge', '-p', JSON.stringify(patch)]);

test('suspend stops scheduled runs and clears NEXT; resume starts them again', async () => {
  await applyJob(kubectl, jobManifest('suspend-me', { schedule: '*/2 * * * * *' }));
  await waitFor(
    'a first run',
    async () => ((await getJob(kubectl, 'suspend-me'))?.status?.counters?.succeeded ?? 0) >= 1,
  );
  assert.equal((await patchJob('suspend-me', { spec: { suspend: true } })).code, 0);
  const suspended = await waitFor('Ready reason Suspended', async () => {
    const j = await getJob(kubectl, 'suspend-me');
    const ready = j?.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.reason === 'Suspended' && (j?.status?.activeCount ?? 0) === 0 && j;
  });
  assert.equal(suspended.status?.nextScheduleTime, undefined);
  const before = suspended.status?.lastScheduleTime;
  await new Promise((r) => setTimeout(r, 4500));
  assert.equal(
    (await getJob(kubectl, 'suspend-me'))?.status?.lastScheduleTime,
    before,
    'nothing scheduled while suspended',
  );
  assert.equal((await patchJob('suspend-me', { spec: { suspend: false } })).code, 0);
  const resumed = await waitFor('a run after resuming', async () => {
    const j = await getJob(kubectl, 'suspend-me');
    return j?.status?.lastScheduleTime !== before && j?.status?.nextScheduleTime ? j : undefined;
  });
  assert.equal(resumed.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'Scheduled');
  await kubectl(['delete', 'sdj', 'suspend-me']);
});

test('a schedule change re-arms the job on the new schedule', async () => {
  await applyJob(kubectl, jobManifest('reschedule', { schedule: '*/2 * * * * *' }));
  await waitFor(
    'a first run',
    async () => ((await getJob(kubectl, 'reschedule'))?.status?.counters?.succeeded ?? 0) >= 1,
  );
  const changedAt = Date.now();
  await applyJob(kubectl, jobManifest('reschedule', { schedule: '*/5 * * * * *' }));
  const job = await waitFor('two runs on the new schedule', async () => {
    const j = await getJob(kubectl, 'reschedule');
    const after = (j?.status?.recentRuns ?? []).filter((r) => Date.parse(r.scheduledTime) > changedAt + 1000);
    return j?.status?.observedGeneration === 2 && after.length >= 2 && j;
  });
  for (const r of job.status?.recentRuns ?? []) {
    if (Date.parse(r.scheduledTime) > changedAt + 1000)
      assert.equal(Date.parse(r.scheduledTime) % 5000, 0, r.name);
  }
  assert.equal(Date.parse(job.status?.nextScheduleTime ?? '') % 5000, 0);
  await kubectl(['delete', 'sdj', 'reschedule']);
});

test('Forbid with a slow job: overlapping times are skipped with JobAlreadyActive, one run at a time', async () => {
  await applyJob(
    kubectl,
    jobManifest(
      'forbid-slow',
      { schedule: '*/2 * * * * *', concurrencyPolicy: 'Forbid' },
      { command: 'sleep 5' },
    ),
  );
  let maxActive = 0;
  const job = await waitFor('a skipped run', async () => {
    const j = await getJob(kubectl, 'forbid-slow');
    maxActive = Math.max(maxActive, j?.status?.activeCount ?? 0);
    return (j?.status?.counters?.skipped ?? 0) >= 1 && j;
  });
  assert.ok(job.status?.counters?.skipped);
  assert.equal(maxActive, 1);
  const events = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=forbid-slow',
    '-o',
    'json',
  ]);
  const reasons = (JSON.parse(events.stdout) as { items: { reason: string }[] }).items.map((e) => e.reason);
  assert.ok(reasons.includes('JobAlreadyActive'), reasons.join(','));
  await kubectl(['delete', 'sdj', 'forbid-slow']);
});

test('Replace cancels the active run, then starts the new one', async () => {
  await applyJob(
    kubectl,
    jobManifest(
      'replace-me',
      { schedule: '*/2 * * * * *', concurrencyPolicy: 'Replace' },
      { command: 'sleep 30' },
    ),
  );
  const job = await waitFor(
    'a cancelled run and a newer active one',
    async () => {
      const j = await getJob(kubectl, 'replace-me');
      const cancelled = j?.status?.recentRuns?.find((r) => r.result === 'Cancelled');
      const active = j?.status?.active?.[0];
      return cancelled && active && Date.parse(active.name.split('-').pop() ?? '0') !== 0 && j;
    },
    30_000,
  );
  assert.ok((job.status?.activeCount ?? 0) <= 1);
  const cancelled = job.status?.recentRuns?.find((r) => r.result === 'Cancelled');
  assert.notEqual(cancelled?.name, job.status?.active?.[0]?.name);
  await kubectl(['delete', 'sdj', 'replace-me']);
});

test('kubectl delete while a run is active: the container is stopped and removed, then the job is gone', async () => {
  await applyJob(kubectl, jobManifest('delete-me', { schedule: '*/2 * * * * *' }, { command: 'sleep 60' }));
  const job = await waitFor('an active run with its container', async () => {
    const j = await getJob(kubectl, 'delete-me');
    return j?.status?.active?.[0]?.containerId ? j : undefined;
  });
  const running = await containersOf(job.metadata.uid);
  assert.equal(running.filter((c) => c.State === 'running').length, 1);
  const del = await kubectl(['delete', 'sdj', 'delete-me', '--wait=true', '--timeout=30s']);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(await getJob(kubectl, 'delete-me'), undefined);
  assert.deepEqual(await containersOf(job.metadata.uid), []);
});

test('manual trigger: a new ofelia.dev/run-now value runs the job once', async () => {
  await applyJob(kubectl, jobManifest('by-hand', { schedule: '@manual' }));
  await waitFor('Ready reason Manual', async () => {
    const j = await getJob(kubectl, 'by-hand');
    return j?.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'Manual';
  });
  assert.equal((await kubectl(['annotate', 'sdj', 'by-hand', 'ofelia.dev/run-now=first'])).code, 0);
  const once = await waitFor('the manual run', async () => {
    const j = await getJob(kubectl, 'by-hand');
    return j?.status?.counters?.succeeded === 1 && j;
  });
  assert.equal(once.status?.lastManualTrigger, 'first');
  assert.equal(once.status?.lastRun?.trigger, 'Manual');
  // The same value again (an unrelated change) does not run it again.
  await kubectl(['label', 'sdj', 'by-hand', 'touched=yes']);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await getJob(kubectl, 'by-hand'))?.status?.counters?.succeeded, 1);
  assert.equal(
    (await kubectl(['annotate', '--overwrite', 'sdj', 'by-hand', 'ofelia.dev/run-now=second'])).code,
    0,
  );
  await waitFor(
    'the second manual run',
    async () => (await getJob(kubectl, 'by-hand'))?.status?.counters?.succeeded === 2,
  );
  await kubectl(['delete', 'sdj', 'by-hand']);
});
