/**
 * adoptLeftovers: which leftover containers are adopted, and whether as runs that still execute
 * (they count for concurrencyPolicy) or as ended ones only collected (they do not).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { adoptLeftovers } from '../../../src/controller/adoption.ts';
import type { Dispatcher } from '../../../src/controller/dispatcher.ts';
import type { JobController } from '../../../src/controller/job-controller.ts';
import { JobState } from '../../../src/controller/job-state.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { LeftoverContainer } from '../../../src/runner/leftovers.ts';

const job: JobObject = {
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name: 'job', namespace: 'default', uid: 'u1' },
  spec: { schedule: '@every 2s', run: { image: 'local/busybox:test' } },
} as JobObject;

function leftover(name: string, state: string, scheduledTime: number): LeftoverContainer {
  return {
    daemon: 'local',
    containerId: `id-${name}`,
    name,
    instance: 'op',
    identity: { namespace: 'default', jobName: 'job', jobUid: 'u1', scheduledTime, attempt: 1 },
    trigger: 'Schedule',
    state,
    running: state === 'running',
  };
}

test('adoptLeftovers: exited and dead containers are adopted as ended (collected only), running and created ones as runs', async () => {
  const state = new JobState('default', 'job', 'u1', {});
  const v = validateScheduledDockerJob(job);
  assert.ok(v.ok);
  state.job = v.job;
  const adopted: [string, boolean | undefined][] = [];
  const summary = await adoptLeftovers({
    source: {
      list: async () => [
        leftover('a', 'exited', 1_000),
        leftover('b', 'dead', 2_000),
        leftover('c', 'running', 3_000),
        leftover('d', 'created', 4_000),
      ],
      remove: async () => undefined,
    },
    instance: 'op',
    jobs: [job],
    controller: { ensureState: () => state } as unknown as JobController,
    dispatcher: {
      adopt: (_s: JobState, id: string, _d: string, _i: unknown, _t: unknown, opts?: { ended?: boolean }) =>
        adopted.push([id, opts?.ended]),
    } as unknown as Dispatcher,
    role: { leads: true },
    logger: silentLogger(),
  });
  assert.equal(summary.adopted, 4);
  assert.deepEqual(adopted, [
    ['id-a', true],
    ['id-b', true],
    ['id-c', false],
    ['id-d', false],
  ]);
});
