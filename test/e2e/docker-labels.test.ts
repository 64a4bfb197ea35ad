/**
 * The live Docker-label source end to end: an operator process with --docker-labels (the real
 * label source, Docker events and the Kubernetes API through client-node), the real daemon and the
 * real kubectl against the embedded API server. The resync period is long (10 min), so what
 * happens within the test's waits happens through container events.
 *
 * A labelled container starts -> its job appears and runs on schedule (an exec into it) -> the
 * container is recreated with other labels -> the job follows -> the container is removed -> the
 * job goes. Jobs that users made (one with a name the labels also want) are never touched.
 * A notification middleware on the labels becomes a JobNotifier and its Secret, delivers to a
 * real HTTP receiver, and goes with its container.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';
import { startHttpReceiver } from '../helpers/receivers.ts';

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

test('a slack middleware on the labels becomes a JobNotifier with its Secret, notifies a failed run, and goes with the container', async () => {
  const { docker } = env.docker;
  const receiver = await startHttpReceiver();
  try {
    const id = await startLabelled(docker, `${PROJECT}-web-2`, {
      'com.docker.compose.container-number': '2',
      'ofelia.job-exec.broken.schedule': '@every 2s',
      'ofelia.job-exec.broken.command': 'sh -c "echo going-wrong; exit 3"',
      'ofelia.job-exec.broken.slack-webhook': `${receiver.url}/slack-hook`,
      'ofelia.job-exec.broken.slack-only-on-error': 'true',
    });
    const name = `${PROJECT}-web-2-broken`;
    const notifier = await waitFor(
      'the JobNotifier made from the labels, Ready',
      async () => {
        const r = await kubectl(['get', 'jobnotifier', `${name}-slack`, '-o', 'json']);
        if (r.code !== 0) return false;
        const n = JSON.parse(r.stdout) as {
          metadata: { labels?: Record<string, string> };
          spec: { type: string; addressFrom?: { secretKeyRef: { name: string } } };
          status?: { conditions?: Array<{ type: string; status: string }> };
        };
        return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && n;
      },
      30_000,
    );
    assert.equal(notifier.spec.type, 'slack');
    assert.equal(notifier.metadata.labels?.['ofelia.dev/imported-from'], 'docker-labels');
    const secretName = notifier.spec.addressFrom?.secretKeyRef.name ?? '';
    const secret = await kubectl(['get', 'secret', secretName, '-o', 'jsonpath={.data.url}']);
    assert.equal(Buffer.from(secret.stdout, 'base64').toString('utf8'), `${receiver.url}/slack-hook`);

    const message = await waitFor(
      'a Slack message about the failed run',
      async () => receiver.requests.find((r) => r.path === '/slack-hook'),
      30_000,
    );
    const body = JSON.parse(message.body) as { text?: string; blocks?: unknown[] };
    assert.match(JSON.stringify(body), new RegExp(name));
    assert.match(JSON.stringify(body), /Failed/);

    // The container goes: its job, notifier and Secret go too.
    await docker.getContainer(id).remove({ force: true });
    await waitFor('the job deleted', async () => (await getJob(kubectl, name)) === undefined, 30_000);
    await waitFor(
      'the notifier and its Secret deleted',
      async () =>
        (await kubectl(['get', 'jobnotifier', `${name}-slack`])).code !== 0 &&
        (await kubectl(['get', 'secret', secretName])).code !== 0,
      30_000,
    );
  } finally {
    await receiver.close();
  }
});
