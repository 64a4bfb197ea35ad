/**
 * Two operator processes with leader election on one Lease: exactly one runs unplaced jobs; when
 * it is killed (SIGKILL, no release), the other takes over after the lease expires, and no
 * scheduled time runs twice. Short timings (4 s lease, 3 s renew deadline, 1 s retry) keep it fast.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyJob,
  getJob,
  jobManifest,
  type OperatorProcess,
  useControllerEnv,
  waitFor,
} from '../helpers/operator.ts';

const env = useControllerEnv();
const { kubectl } = env;

const leaderElection = {
  leaseName: 'ofelia-e2e',
  leaseDurationSeconds: 4,
  renewDeadlineSeconds: 3,
  retryPeriodSeconds: 1,
};

function finishedRuns(op: OperatorProcess, job: string): string[] {
  return op.lines
    .map((l) => {
      try {
        return JSON.parse(l) as { msg?: string; job?: string; run?: string };
      } catch {
        return {};
      }
    })
    .filter((e) => e.msg === 'run finished' && e.job === job)
    .map((e) => String(e.run));
}

test('leader election: one replica runs jobs; after it is killed the other takes over, no time runs twice', async () => {
  const a = env.startOperator({ identity: 'replica-a', leaderElection });
  await a.waitForLog(/became leader/, { timeoutMs: 30_000 });
  const b = env.startOperator({ identity: 'replica-b', leaderElection });
  await b.waitForLog(/operator started/, { timeoutMs: 30_000 });

  await applyJob(
    kubectl,
    jobManifest('leader-job', {
      schedule: '*/2 * * * * *',
      successfulRunsHistoryLimit: 50,
      failedRunsHistoryLimit: 50,
    }),
  );
  await waitFor(
    'three runs',
    async () => ((await getJob(kubectl, 'leader-job'))?.status?.counters?.succeeded ?? 0) >= 3,
  );
  assert.ok(finishedRuns(a, 'leader-job').length >= 3, 'the leader ran them');
  assert.deepEqual(finishedRuns(b, 'leader-job'), [], 'the standby ran nothing');
  const lease = JSON.parse(
    (await kubectl(['get', 'lease', 'ofelia-e2e', '-n', 'default', '-o', 'json'])).stdout,
  ) as {
    spec: { holderIdentity: string };
  };
  assert.equal(lease.spec.holderIdentity, 'replica-a');

  const mark = b.lines.length;
  await a.kill();
  await b.waitForLog(/became leader/, { from: mark, timeoutMs: 20_000 });
  const before = (await getJob(kubectl, 'leader-job'))?.status?.counters?.succeeded ?? 0;
  const job = await waitFor('runs by the new leader', async () => {
    const j = await getJob(kubectl, 'leader-job');
    return (j?.status?.counters?.succeeded ?? 0) >= before + 2 ? j : undefined;
  });
  assert.ok(finishedRuns(b, 'leader-job').length >= 2, 'the new leader runs the job');
  const names = job.status?.recentRuns?.map((r) => r.name) ?? [];
  assert.equal(new Set(names).size, names.length, `no run twice: ${names.join(', ')}`);
  const byA = new Set(finishedRuns(a, 'leader-job'));
  for (const run of finishedRuns(b, 'leader-job')) assert.ok(!byA.has(run), `${run} ran on both replicas`);
  await kubectl(['delete', 'sdj', 'leader-job', '--wait=true', '--timeout=30s']);
  await b.stop();
});
