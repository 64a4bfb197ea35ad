/**
 * Crash safety: the operator is killed with SIGKILL in the middle of a run and started again
 * against the same API server. The running container is adopted (followed to its end and recorded
 * once), no scheduled time runs twice, and of the times missed while it was down only the most
 * recent one runs (it is within startingDeadlineSeconds); the others are counted as missed. And
 * when the run in flight ends while the operator is down, its record is collected without keeping
 * a Forbid job from catching up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';

const env = useControllerEnv();
const { kubectl } = env;

test('SIGKILL mid-run, start again: the run is adopted, no time runs twice, the latest missed time runs once', async () => {
  const first = env.startOperator({ identity: 'first' });
  await first.waitForLog(/operator started/, { timeoutMs: 30_000 });
  const spec = {
    schedule: '*/2 * * * * *',
    concurrencyPolicy: 'Allow',
    startingDeadlineSeconds: 30,
    successfulRunsHistoryLimit: 50,
    failedRunsHistoryLimit: 50,
  };
  // The run in flight at the kill must still be running when the second process lists the
  // containers: 20 s covers the 4.5 s down time plus a start-up that is slow under load (it took
  // ~4 s with three e2e files in parallel; with `sleep 10` a slower start meant the container had
  // exited, no running adoption was ever logged, and the wait ran out).
  await applyJob(kubectl, jobManifest('crashy', spec, { command: 'sleep 20' }));
  const during = await waitFor('a run in progress', async () => {
    const j = await getJob(kubectl, 'crashy');
    return j?.status?.active?.find((a) => a.containerId) && j;
  });
  const inFlight = during.status?.active?.filter((a) => a.containerId).map((a) => a.name) ?? [];
  assert.ok(inFlight.length >= 1);
  await first.kill();
  const killedAt = Date.now();
  // While it is down, later runs become short (the catch-up and the scheduled ones after it): the
  // containers already started keep their 20 s command, so the adopted run still takes its time.
  await applyJob(kubectl, jobManifest('crashy', spec, { command: 'sleep 1' }));
  // Down long enough for two scheduled times to pass.
  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 4500 - Date.now())));

  const second = env.startOperator({ identity: 'second' });
  // The run in flight is adopted whether its container still runs or not: wait for that, then
  // check it was the running case this test is about (a clear failure instead of a timeout).
  const adopted = await second.waitForLog(/adopted a run of an earlier process/, {
    timeoutMs: 30_000,
    where: (entry) => inFlight.includes(String(entry.run)),
  });
  assert.equal(
    adopted.running,
    true,
    `${String(adopted.run)} had already ended when the second process adopted it ` +
      `(${Date.now() - killedAt} ms after the kill): it was not followed mid-run`,
  );

  let last: unknown;
  const job = await waitFor(
    'the adopted runs recorded and a catch-up run done',
    async () => {
      const j = await getJob(kubectl, 'crashy');
      last = { killedAt: new Date(killedAt).toISOString(), inFlight, status: j?.status };
      const runs = j?.status?.recentRuns ?? [];
      const adoptedDone = inFlight.every((n) => runs.some((r) => r.name === n));
      const caughtUp = runs.some(
        (r) => r.trigger === 'CatchUp' && r.result === 'Succeeded' && Date.parse(r.scheduledTime) > killedAt,
      );
      return adoptedDone && caughtUp && j;
    },
    30_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${JSON.stringify(last)}`);
  });
  const runs = job.status?.recentRuns ?? [];
  const names = runs.map((r) => r.name);
  assert.equal(new Set(names).size, names.length, `no run twice: ${names.join(', ')}`);
  for (const name of inFlight) {
    const record = runs.find((r) => r.name === name);
    assert.equal(record?.result, 'Succeeded', `${name} was followed to its end, not cancelled`);
  }
  const catchUps = runs.filter((r) => r.trigger === 'CatchUp' && Date.parse(r.scheduledTime) > killedAt);
  assert.equal(catchUps.length, 1, `only the most recent missed time ran: ${JSON.stringify(runs)}`);
  assert.ok((job.status?.counters?.missed ?? 0) >= 1, 'the other missed times are counted');
  const scheduled = runs.map((r) => r.scheduledTime);
  assert.equal(new Set(scheduled).size, scheduled.length, 'each scheduled time ran at most once');
  await kubectl(['delete', 'sdj', 'crashy', '--wait=true', '--timeout=30s']);
  await second.stop();
});

test('SIGKILL mid-run, the container ends while down: its record is collected and a Forbid job still catches up its latest missed time', async () => {
  const first = env.startOperator({ identity: 'first-forbid' });
  await first.waitForLog(/operator started/, { timeoutMs: 30_000 });
  const spec = {
    schedule: '*/2 * * * * *',
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 30,
    successfulRunsHistoryLimit: 50,
    failedRunsHistoryLimit: 50,
  };
  await applyJob(kubectl, jobManifest('ended', spec, { command: 'sleep 2' }));
  const during = await waitFor('a run in progress', async () => {
    const j = await getJob(kubectl, 'ended');
    return j?.status?.active?.find((a) => a.containerId) && j;
  });
  const inFlight = during.status?.active?.filter((a) => a.containerId).map((a) => a.name) ?? [];
  assert.ok(inFlight.length >= 1);
  await first.kill();
  const killedAt = Date.now();
  // Down past the end of the run in flight (its container exits while no operator follows it).
  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 4500 - Date.now())));

  const second = env.startOperator({ identity: 'second-forbid' });
  const adopted = await second.waitForLog(/adopted a run of an earlier process/, {
    timeoutMs: 30_000,
    where: (entry) => inFlight.includes(String(entry.run)),
  });
  assert.equal(adopted.running, false, `${String(adopted.run)} was still running: not the case tested here`);
  // Collecting an exited container is no active run: the catch-up is not skipped (JobAlreadyActive).
  let last: unknown;
  const job = await waitFor(
    'the exited run recorded and a catch-up run done',
    async () => {
      const j = await getJob(kubectl, 'ended');
      last = { killedAt: new Date(killedAt).toISOString(), inFlight, status: j?.status };
      const runs = j?.status?.recentRuns ?? [];
      const collected = inFlight.every((n) => runs.some((r) => r.name === n));
      const caughtUp = runs.some((r) => r.trigger === 'CatchUp' && Date.parse(r.scheduledTime) > killedAt);
      return collected && caughtUp && j;
    },
    30_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${JSON.stringify(last)}`);
  });
  const names = (job.status?.recentRuns ?? []).map((r) => r.name);
  assert.equal(new Set(names).size, names.length, `no run twice: ${names.join(', ')}`);
  await kubectl(['delete', 'sdj', 'ended', '--wait=true', '--timeout=30s']);
  await second.stop();
});
