/**
 * The controller end to end: the embedded API server (in this process), an operator process, the
 * real Docker daemon and the real kubectl. Jobs fire every 2 seconds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LABELS } from '../../src/api/run-identity.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { testDocker } from '../helpers/docker.ts';
import {
  applyJob,
  getJob,
  jobManifest,
  type OperatorProcess,
  startOperator,
  waitFor,
} from '../helpers/operator.ts';

let api: TestApiServer;
let operator: OperatorProcess;
let docker: Awaited<ReturnType<typeof testDocker>>;

before(async () => {
  docker = await testDocker();
  api = await startTestApiServer();
  operator = startOperator({ kubeconfig: api.kubeconfig, identity: 'solo' });
  await operator.waitForLog(/operator started/, { timeoutMs: 30_000 });
});

after(async () => {
  await operator?.stop();
  await api?.close();
});

const kubectl = (args: string[], opts?: { stdin?: string }) => api.kubectl(args, opts);

async function containersOf(uid: string) {
  if ('skip' in docker) return [];
  return docker.docker.listContainers({ all: true, filters: { label: [`${LABELS.jobUid}=${uid}`] } });
}

test('a job every 2 seconds runs, and kubectl get sdj shows LAST RESULT and NEXT', async (t) => {
  if ('skip' in docker) return t.skip(docker.skip);
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
