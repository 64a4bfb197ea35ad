/**
 * Chains end to end: the embedded API server, operator processes, the real Docker daemon and the
 * real kubectl. A succeeds -> B (after A on Succeeded) runs once with trigger Chained, C (after A on
 * Failed) does not; A fails -> C runs once; a cycle is reported and nothing loops; the operator is
 * killed with SIGKILL after the upstream finish is recorded and before the chained run starts, and
 * a new one started -> the chained run happens exactly once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  applyJob,
  getJob,
  type JobView,
  jobManifest,
  useControllerEnv,
  waitFor,
} from '../helpers/operator.ts';

let resultsDir = '';
const env = useControllerEnv({
  async setup() {
    resultsDir = await mkdtemp(join(tmpdir(), 'ofelia-chains-'));
  },
  async afterOperatorsEnd() {
    await rm(resultsDir, { recursive: true, force: true });
  },
});
const { kubectl } = env;

const runNow = (name: string, value: string) =>
  kubectl(['annotate', 'sdj', name, `ofelia.dev/run-now=${value}`, '--overwrite']);
const runsOf = (j: JobView | undefined) => j?.status?.recentRuns ?? [];
const chained = (j: JobView | undefined) => runsOf(j).filter((r) => r.trigger === 'Chained');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('A succeeds -> B runs once (Chained); A fails -> C runs once; nothing else', async () => {
  const op = env.startOperator({ identity: 'chains', resultsDir });
  await op.waitForLog(/operator started/, { timeoutMs: 30_000 });
  const history = { successfulRunsHistoryLimit: 10, failedRunsHistoryLimit: 10 };
  await applyJob(kubectl, jobManifest('up', { schedule: '@manual', ...history }, { command: 'echo up' }));
  await applyJob(
    kubectl,
    jobManifest('on-success', { schedule: '@manual', after: [{ job: 'up', on: 'Succeeded' }], ...history }),
  );
  await applyJob(
    kubectl,
    jobManifest('on-failure', { schedule: '@manual', after: [{ job: 'up', on: 'Failed' }], ...history }),
  );
  // The downstream jobs have recorded where they start from before the first upstream run.
  await waitFor('markers on both downstream jobs', async () => {
    const [s, f] = [await getJob(kubectl, 'on-success'), await getJob(kubectl, 'on-failure')];
    return (
      !!(s?.status as { upstreamRuns?: unknown[] } | undefined)?.upstreamRuns?.length &&
      !!(f?.status as { upstreamRuns?: unknown[] } | undefined)?.upstreamRuns?.length
    );
  });

  assert.equal((await runNow('up', 'first')).code, 0);
  const b = await waitFor('on-success ran once, Chained', async () => {
    const j = await getJob(kubectl, 'on-success');
    return chained(j).length >= 1 && (j?.status?.activeCount ?? 0) === 0 && j;
  });
  const up = await getJob(kubectl, 'up');
  assert.equal(up?.status?.lastRun?.result, 'Succeeded');
  assert.equal(chained(b).length, 1);
  assert.equal(chained(b)[0]?.result, 'Succeeded');
  // Its scheduled time is the upstream finish: the identity of "the run for that finish".
  const upstreamFinish = (up?.status?.lastRun as { finishTime?: string } | undefined)?.finishTime;
  assert.equal(chained(b)[0]?.scheduledTime, upstreamFinish);

  // The upstream now fails: on-failure runs, on-success does not.
  await applyJob(kubectl, jobManifest('up', { schedule: '@manual', ...history }, { command: 'exit 3' }));
  await sleep(500);
  assert.equal((await runNow('up', 'second')).code, 0);
  await waitFor('on-failure ran once, Chained', async () => {
    const j = await getJob(kubectl, 'on-failure');
    return chained(j).length >= 1 && (j?.status?.activeCount ?? 0) === 0 && j;
  });
  await sleep(3000);
  assert.equal(chained(await getJob(kubectl, 'on-failure')).length, 1, 'on-failure: once');
  assert.equal(chained(await getJob(kubectl, 'on-success')).length, 1, 'on-success: still once');
  const events = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=on-success',
    '-o',
    'json',
  ]);
  assert.equal(events.code, 0, events.stderr);
  await op.stop();
});

test('a cycle A -> B -> A is Ready=False ChainCycle and nothing runs', async () => {
  // Both jobs exist before the operator starts: with one applied and the other not yet, the
  // first is not in a cycle (a missing upstream is not fatal) and may rightly run on its schedule.
  await applyJob(kubectl, jobManifest('ping', { schedule: '*/2 * * * * *', after: [{ job: 'pong' }] }));
  await applyJob(kubectl, jobManifest('pong', { schedule: '*/2 * * * * *', after: [{ job: 'ping' }] }));
  const op = env.startOperator({ identity: 'cycle', resultsDir });
  await op.waitForLog(/operator started/, { timeoutMs: 30_000 });
  for (const name of ['ping', 'pong']) {
    const j = await waitFor(`${name} Ready=False ChainCycle`, async () => {
      const v = await getJob(kubectl, name);
      const ready = v?.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'False' && ready.reason === 'ChainCycle' && v;
    });
    assert.match(
      j.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
      /ping -> pong -> ping|pong -> ping -> pong/,
    );
  }
  await sleep(4500);
  for (const name of ['ping', 'pong'])
    assert.equal(runsOf(await getJob(kubectl, name)).length, 0, `${name} never ran`);
  // Breaking the cycle makes both usable again.
  await applyJob(kubectl, jobManifest('pong', { schedule: '@manual' }));
  await waitFor('ping Ready again', async () => {
    const v = await getJob(kubectl, 'ping');
    return v?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  });
  await kubectl(['delete', 'sdj', 'ping', 'pong']);
  await op.stop();
});

test('SIGKILL between the upstream finish and the chained start, start again: the chained run happens exactly once', async () => {
  // One run at a time: the chained run waits behind a blocker for the slot, so the operator can
  // be killed after the upstream finish is in status and before the chained run starts.
  const first = env.startOperator({ identity: 'kill-first', resultsDir, maxConcurrentRunsPerDaemon: 1 });
  await first.waitForLog(/operator started/, { timeoutMs: 30_000 });
  await applyJob(kubectl, jobManifest('k-up', { schedule: '@manual' }, { command: 'sleep 8' }));
  await applyJob(kubectl, jobManifest('k-block', { schedule: '@manual' }, { command: 'sleep 25' }));
  await applyJob(
    kubectl,
    jobManifest('k-down', { schedule: '@manual', after: [{ job: 'k-up' }] }, { command: 'echo down' }),
  );
  await waitFor('k-down marker', async () => {
    const j = await getJob(kubectl, 'k-down');
    return !!(j?.status as { upstreamRuns?: unknown[] } | undefined)?.upstreamRuns?.length;
  });
  assert.equal((await runNow('k-up', 'go')).code, 0);
  // k-up runs 8 s: long enough to be seen running between two polls on a loaded machine.
  await waitFor('k-up running', async () => ((await getJob(kubectl, 'k-up'))?.status?.activeCount ?? 0) > 0);
  // Queued behind k-up: it takes the slot when k-up ends, ahead of the chained run.
  assert.equal((await runNow('k-block', 'go')).code, 0);
  await waitFor('k-up finished and recorded', async () => {
    const j = await getJob(kubectl, 'k-up');
    return j?.status?.lastRun?.result === 'Succeeded';
  });
  assert.equal(chained(await getJob(kubectl, 'k-down')).length, 0, 'the chained run has not run yet');
  await first.kill();

  const second = env.startOperator({ identity: 'kill-second', resultsDir });
  // Its start adopts the killed process's containers first (list, inspect): on a daemon busy with
  // the rest of the suite that took over 30 s once in CI, alone it takes well under one.
  await second.waitForLog(/operator started/, { timeoutMs: 90_000 });
  const down = await waitFor(
    'k-down ran after the restart',
    async () => {
      const j = await getJob(kubectl, 'k-down');
      return chained(j).length >= 1 && (j?.status?.activeCount ?? 0) === 0 && j;
    },
    60_000,
  );
  await sleep(4000);
  const final = await getJob(kubectl, 'k-down');
  assert.equal(chained(final).length, 1, `exactly one chained run: ${JSON.stringify(runsOf(final))}`);
  assert.equal(final?.status?.counters?.succeeded, 1);
  assert.equal(chained(down)[0]?.result, 'Succeeded');
  await kubectl(['delete', 'sdj', 'k-up', 'k-block', 'k-down', '--wait=false']);
});
