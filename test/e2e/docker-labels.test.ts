/**
 * The live Docker-label source end to end: an operator process with --docker-labels (the real
 * label source, Docker events and the Kubernetes API through client-node), the real daemon and the
 * real kubectl against the embedded API server. The resync period is long (10 min), so what
 * happens within the test's waits happens through container events.
 *
 * A labelled container starts -> its job appears and runs on schedule (an exec into it) -> the
 * container is recreated with other labels -> the job follows -> the container is removed -> the
 * job goes. Jobs that users made (one with a name the labels also want) are never touched.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';

const RUN_ID = randomBytes(3).toString('hex');
/** Every container of this file carries it, so the cleanup finds them all. */
const TEST_LABEL = 'ofelia-e2e.docker-labels';
const PROJECT = `shop${RUN_ID}`;
const JOB = `${PROJECT}-web-tick`;
const CLASH = `${PROJECT}-web-clash`;

const env = useControllerEnv({
  endOperatorsBy: 'stop',
  async setup({ startOperator }) {
    const op = startOperator({
      identity: 'labels',
      nodeName: 'node-labels',
      dockerLabels: { namespace: 'default', resyncMs: 600_000 },
    });
    await op.waitForLog(/operator started/, { timeoutMs: 30_000 });
  },
  async afterOperatorsEnd({ docker }) {
    for (const c of await docker.docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=${RUN_ID}`] },
    })) {
      await docker.docker.getContainer(c.Id).remove({ force: true });
    }
  },
});
const { kubectl } = env;

async function startLabelled(docker: Docker, name: string, labels: Record<string, string>): Promise<string> {
  const c = await docker.createContainer({
    name,
    Image: TEST_IMAGE,
    Cmd: ['sleep', '300'],
    Labels: {
      [TEST_LABEL]: RUN_ID,
      'ofelia.enabled': 'true',
      'com.docker.compose.project': PROJECT,
      'com.docker.compose.service': 'web',
      ...labels,
    },
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  return c.id;
}

test('a labelled container gets a job that runs in it, follows a recreate, and goes with the container', async () => {
  const { docker } = env.docker;

  // A user's jobs: one with a name the labels will also ask for. Neither may be touched.
  await applyJob(kubectl, jobManifest(CLASH, { schedule: '@manual' }));
  const userBefore = await getJob(kubectl, CLASH);
  assert.ok(userBefore);

  const first = await startLabelled(docker, `${PROJECT}-web-1`, {
    'ofelia.job-exec.tick.schedule': '@every 2s',
    'ofelia.job-exec.tick.command': 'echo tick-v1',
    'ofelia.job-exec.tick.user': '65534',
    'ofelia.job-exec.tick.environment': '["STAGE=one"]',
    'ofelia.job-exec.clash.schedule': '@hourly',
    'ofelia.job-exec.clash.command': 'true',
  });

  // The job appears, made from the labels, exec'ing into this container, and runs on schedule.
  const ran = await waitFor(
    'the label job and two successful runs',
    async () => {
      const j = await getJob(kubectl, JOB);
      return (j?.status?.counters?.succeeded ?? 0) >= 2 && j;
    },
    30_000,
  );
  assert.equal(
    (ran.metadata as { labels?: Record<string, string> }).labels?.['ofelia.dev/imported-from'],
    'docker-labels',
  );
  assert.equal(ran.metadata.annotations?.['ofelia.dev/docker-container-id'], first);
  const exec = ran.spec.exec as { container: string; command: string[]; env: unknown };
  assert.equal(exec.container, `${PROJECT}-web-1`);
  assert.deepEqual(exec.command, ['echo', 'tick-v1']);
  assert.deepEqual(exec.env, [{ name: 'STAGE', value: 'one' }]);
  assert.equal(ran.status?.lastResult, 'Succeeded');
  const table = await kubectl(['get', 'sdj']);
  assert.match(table.stdout, new RegExp(JOB));

  // Recreated with changed labels (as `docker compose up` does after an edit): the job follows.
  await docker.getContainer(first).remove({ force: true });
  const second = await startLabelled(docker, `${PROJECT}-web-1`, {
    'ofelia.job-exec.tick.schedule': '@every 3s',
    'ofelia.job-exec.tick.command': 'echo tick-v2',
    'ofelia.job-exec.tick.user': '65534',
  });
  const followed = await waitFor(
    'the job with the new labels',
    async () => {
      const j = await getJob(kubectl, JOB);
      const command = (j?.spec.exec as { command?: string[] } | undefined)?.command;
      if (j?.metadata.annotations?.['ofelia.dev/docker-container-id'] !== second) return false;
      return command?.[1] === 'tick-v2' && j.spec.schedule === '@every 3s' && j;
    },
    30_000,
  );
  const seen = Date.now();
  await waitFor(
    'a successful run in the new container',
    async () => {
      const j = await getJob(kubectl, JOB);
      return j?.status?.recentRuns?.some(
        (r) => r.result === 'Succeeded' && Date.parse(r.scheduledTime) >= seen - 1000,
      );
    },
    30_000,
  );
  assert.equal(
    (followed.spec.exec as { env?: unknown }).env,
    undefined,
    'the dropped environment label is gone',
  );
  // The clash job is no longer asked for by the labels, and was never ours: still the user's.
  const userAfter = await getJob(kubectl, CLASH);
  assert.deepEqual(userAfter?.spec, userBefore.spec);
  assert.equal(
    (userAfter?.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[
      'ofelia.dev/imported-from'
    ],
    undefined,
  );

  // The container goes: so does its job.
  await docker.getContainer(second).remove({ force: true });
  await waitFor('the job deleted', async () => (await getJob(kubectl, JOB)) === undefined, 30_000);
  assert.ok(await getJob(kubectl, CLASH), "the user's job stays");
});
