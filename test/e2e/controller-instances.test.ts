/**
 * Two operators with separate API servers share one Docker daemon (two embedded operators on a
 * laptop, a dev operator next to a prod one). Each is its own instance (here the default: derived
 * from its API server's URL), so at start-up each adopts and removes only its own containers:
 * operator B's start-up leaves operator A's run alone (B knows none of A's jobs, so before
 * instances it removed A's run as an orphan), and still removes B's own orphan.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { containerName, LABELS, runLabels } from '../../src/api/run-identity.ts';
import { clusterInstanceId } from '../../src/operator/instance-id.ts';
import type { TestApiServer } from '../helpers/apiserver.ts';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';

/** Job uids of every container this test made or caused, removed at the end whatever happens. */
const uids: string[] = [];

const env = useControllerEnv({
  apiServers: 2,
  async afterOperatorsEnd({ docker }) {
    for (const uid of uids) {
      const left = await docker.docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.jobUid}=${uid}`] },
      });
      for (const c of left)
        await docker.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {});
    }
  },
});
/** Operator A's API server is the first: env.kubectl talks to it. */
const kubectlA = env.kubectl;

test("operator B's start-up keeps operator A's run and removes B's own orphan", async () => {
  const d = env.docker.docker;
  const [apiA, apiB] = env.apis as [TestApiServer, TestApiServer];
  const instanceA = clusterInstanceId(apiA.url, undefined);
  const instanceB = clusterInstanceId(apiB.url, undefined);
  assert.notEqual(instanceA, instanceB);

  // A's run outlasts B's start-up, which takes up to 30 s on a loaded machine (with 12 s, a CI
  // run found A's run over and its container gone before B's start-up was done).
  const a = env.startOperator({ kubeconfig: apiA.kubeconfig, identity: 'a' });
  await a.waitForLog(/operator started/, { timeoutMs: 30_000 });
  await applyJob(kubectlA, jobManifest('long', { schedule: '@manual' }, { command: 'sleep 45' }));
  const job = await waitFor('the job accepted', async () => {
    const j = await getJob(kubectlA, 'long');
    return j?.status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'Manual' && j;
  });
  uids.push(job.metadata.uid);
  assert.equal((await kubectlA(['annotate', 'sdj', 'long', 'ofelia.dev/run-now=1'])).code, 0);
  const runOfA = await waitFor('a run of A in progress', async () => {
    const j = await getJob(kubectlA, 'long');
    return j?.status?.active?.find((r) => r.containerId);
  });
  const aInfo = await d.getContainer(runOfA.containerId!).inspect();
  assert.equal(aInfo.Config.Labels[LABELS.instance], instanceA);

  // B's own orphan: a container of B's instance whose job B's API server does not have.
  const gone = {
    namespace: 'default',
    jobName: 'gone',
    jobUid: randomUUID(),
    scheduledTime: Date.now() - 60_000,
    attempt: 1,
  };
  uids.push(gone.jobUid);
  const orphan = await d.createContainer({
    name: containerName(gone, instanceB),
    Image: TEST_IMAGE,
    Cmd: ['sleep', '60'],
    Labels: runLabels(gone, 'Schedule', instanceB),
    HostConfig: { NetworkMode: 'none' },
  });
  await orphan.start();

  const b = env.startOperator({ kubeconfig: apiB.kubeconfig, identity: 'b' });
  const handled = await b.waitForLog(/leftover containers handled/, { timeoutMs: 30_000 });
  assert.equal(handled.instance, instanceB);
  assert.equal(handled.orphansRemoved, 1, JSON.stringify(handled));
  assert.equal(handled.adopted, 0);
  const removedByB = b.lines
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((e) => e.msg === 'removed the container of a deleted job')
    .map((e) => e.container);
  assert.deepEqual(removedByB, [containerName(gone, instanceB)]);
  await assert.rejects(orphan.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
  assert.equal(
    (await d.getContainer(runOfA.containerId!).inspect()).State.Running,
    true,
    "A's run survives B's start-up",
  );

  // A's run goes on to its own end: recorded as succeeded, not killed.
  const done = await waitFor(
    "A's run recorded",
    async () => {
      const j = await getJob(kubectlA, 'long');
      return j?.status?.lastRun?.name === runOfA.name && j;
    },
    90_000,
  );
  assert.equal(done.status?.lastRun?.result, 'Succeeded', JSON.stringify(done.status?.lastRun));
  await Promise.all([a.stop(), b.stop()]);
});
