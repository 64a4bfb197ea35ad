/**
 * A policy denial end to end: the embedded API server, an operator process (default policy,
 * baseline), the real Docker daemon and the real kubectl. An exec job aimed at a container that
 * did not opt in gets the run result PolicyDenied with the field path, a Warning event and
 * Ready=False reason PolicyDenied, and nothing runs in the container; pointing the job at a
 * container that opted in clears Ready, and the next run succeeds.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type Docker from 'dockerode';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { applyJob, getJob, useControllerEnv, waitFor } from '../helpers/operator.ts';

const suffix = randomUUID().slice(0, 8);
const victimName = `policy-e2e-victim-${suffix}`;
const friendName = `policy-e2e-friend-${suffix}`;
const made: Docker.Container[] = [];

const env = useControllerEnv({
  endOperatorsBy: 'stop',
  async setup({ startOperator, docker }) {
    for (const [name, labels] of [
      [victimName, {}],
      [friendName, { 'ofelia.dev/exec-from': 'default' }],
    ] as const) {
      const c = await docker.docker.createContainer({
        Image: TEST_IMAGE,
        name,
        Cmd: ['sleep', '600'],
        Labels: { 'ofelia.dev/test': `policy-e2e-${suffix}`, ...labels },
        HostConfig: { NetworkMode: 'none' },
      });
      made.push(c);
      await c.start();
    }
    const operator = startOperator({ identity: 'solo' });
    await operator.waitForLog(/operator started/, { timeoutMs: 30_000 });
  },
  async beforeOperatorsEnd({ kubectl }) {
    await kubectl(['delete', 'sdj', 'exec-job', '--ignore-not-found', '--wait=true']);
  },
  async afterOperatorsEnd() {
    for (const c of made) await c.remove({ force: true }).catch(() => {});
  },
});
const { kubectl } = env;

function execJob(container: string, runNow: string): string {
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'exec-job', namespace: 'default', annotations: { 'ofelia.dev/run-now': runNow } },
    spec: {
      schedule: '@manual',
      exec: { container, command: ['sh', '-c', 'echo ran > /tmp/ran; echo ran'] },
    },
  });
}

const readyOf = (j: Awaited<ReturnType<typeof getJob>>) =>
  j?.status?.conditions?.find((c) => c.type === 'Ready');

test('a denied exec: PolicyDenied run, Warning event, Ready=False; nothing executed; a fix clears it', async () => {
  await applyJob(kubectl, execJob(victimName, 'one'));
  const denied = await waitFor('the denied run and Ready=False', async () => {
    const j = await getJob(kubectl, 'exec-job');
    return j?.status?.lastRun?.result === 'PolicyDenied' && readyOf(j)?.reason === 'PolicyDenied' && j;
  });
  const last = denied.status?.lastRun as { reason?: string; message?: string } | undefined;
  assert.equal(last?.reason, 'ExecTargetNotOptedIn');
  assert.match(last?.message ?? '', /^spec\.exec\.container: /);
  const ready = readyOf(denied);
  assert.equal(ready?.status, 'False');
  assert.match(ready?.message ?? '', /spec\.exec\.container: .*ofelia\.dev\/exec-from=default/);

  const events = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=exec-job',
    '-o',
    'json',
  ]);
  assert.equal(events.code, 0, events.stderr);
  const warning = (
    JSON.parse(events.stdout) as { items: { type: string; reason: string; message: string }[] }
  ).items.find((e) => e.reason === 'PolicyDenied');
  assert.equal(warning?.type, 'Warning');
  assert.match(warning?.message ?? '', /spec\.exec\.container/);
  const victim = await env.docker.docker.getContainer(victimName).inspect();
  assert.equal(victim.ExecIDs, null, 'nothing was executed in the container');

  // The fix: a container that opted in for this namespace. Ready turns True with the new spec,
  // and the next run succeeds.
  await applyJob(kubectl, execJob(friendName, 'two'));
  const fixed = await waitFor('the run after the fix', async () => {
    const j = await getJob(kubectl, 'exec-job');
    return j?.status?.lastRun?.result === 'Succeeded' && readyOf(j)?.status === 'True' && j;
  });
  assert.equal(readyOf(fixed)?.reason, 'Manual');
});
