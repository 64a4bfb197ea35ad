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
import { keepJob } from '../../../src/controller/kept-job.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { LeftoverContainer } from '../../../src/runner/leftovers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

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
  state.job = keepJob(v.job);
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
    job: () => job,
    controller: { ensureState: () => state } as unknown as JobController,
    dispatcher: {
      adopt: (_s: JobState, id: string, _d: string, _i: unknown, _t: unknown, opts?: { ended?: boolean }) =>
        adopted.push([id, opts?.ended]),
    } as unknown as Dispatcher,
    role: { leads: true },
    clock: new FakeClock(10_000),
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

/** adoptLeftovers over one job whose status is `status`, with `leftovers`; what it did. */
async function adoptWith(
  status: ConstructorParameters<typeof JobState>[3],
  leftovers: LeftoverContainer[],
  opts: { nodeName?: string; nowMs?: number; job?: JobObject } = {},
) {
  const theJob = opts.job ?? job;
  const state = new JobState('default', 'job', 'u1', status);
  const v = validateScheduledDockerJob(theJob);
  assert.ok(v.ok);
  state.job = keepJob(v.job);
  const adopted: string[] = [];
  const removed: string[] = [];
  const missed: number[] = [];
  const summary = await adoptLeftovers({
    source: {
      list: async () => leftovers,
      remove: async (_daemon, id) => {
        removed.push(id);
      },
    },
    instance: 'op',
    job: () => theJob,
    controller: { ensureState: () => state } as unknown as JobController,
    dispatcher: {
      adopt: (_s: JobState, id: string) => adopted.push(id),
      missedLeftover: (_s: JobState, identity: { scheduledTime: number }) =>
        missed.push(identity.scheduledTime),
    } as unknown as Dispatcher,
    role: { leads: true, nodeName: opts.nodeName },
    clock: new FakeClock(opts.nowMs ?? 61_000),
    logger: silentLogger(),
  });
  return { adopted, removed, missed, summary, state };
}

test('adoptLeftovers: a created (never started) container is started within the starting deadline, removed and recorded as Missed past it', async () => {
  const withDeadline = {
    ...job,
    spec: { schedule: '@every 2s', run: { image: 'local/busybox:test' }, startingDeadlineSeconds: 30 },
  } as JobObject;
  const r = await adoptWith(
    {},
    [
      leftover('late', 'created', 1_000), // 99 s before now: past 30 s
      leftover('in-time', 'created', 80_000), // 20 s before now: still within
      leftover('late-but-ran', 'exited', 2_000), // ran: collected whatever its age
    ],
    { job: withDeadline, nowMs: 100_000 },
  );
  assert.deepEqual(r.removed, ['id-late']);
  assert.deepEqual(r.missed, [1_000]);
  assert.deepEqual(r.adopted, ['id-in-time', 'id-late-but-ran']);
  assert.equal(r.summary.missed, 1);
  assert.equal(r.summary.adopted, 2);
  // The missed time counts as acted on: the wheel or a catch-up does not start it again.
  assert.equal(r.state.claim(1_000), false);
});

test('adoptLeftovers: a created container of a job without a starting deadline is started, however old', async () => {
  const r = await adoptWith({}, [leftover('old', 'created', 1_000)], { nowMs: 10_000_000 });
  assert.deepEqual(r.adopted, ['id-old']);
  assert.deepEqual(r.removed, []);
  assert.deepEqual(r.missed, []);
});

test('adoptLeftovers: a created container older than a time already acted on is removed, not started (no Missed)', async () => {
  // The job's previous owner ran later times meanwhile: its status says so.
  const r = await adoptWith({ lastScheduleTime: new Date(50_000).toISOString() }, [
    leftover('old', 'created', 20_000),
    leftover('new', 'created', 60_000),
  ]);
  assert.deepEqual(r.removed, ['id-old']);
  assert.deepEqual(r.adopted, ['id-new'], 'a time after the last one acted on is still started');
  assert.deepEqual(r.missed, [], 'a superseded time is not a missed one');
  assert.equal(r.summary.superseded, 1);
  assert.equal(r.summary.adopted, 1);
});

test('adoptLeftovers: a created container of the very time status says started here (died between Started and start) is started', async () => {
  const at = new Date(60_000).toISOString();
  for (const active of [
    undefined,
    [{ name: 'job-60', scheduledTime: at }],
    [{ name: 'job-60', scheduledTime: at, node: 'n1' }],
  ]) {
    const r = await adoptWith({ lastScheduleTime: at, active }, [leftover('own', 'created', 60_000)], {
      nodeName: 'n1',
    });
    assert.deepEqual(r.adopted, ['id-own'], JSON.stringify(active));
    assert.deepEqual(r.removed, []);
  }
});

test('adoptLeftovers: a created container of a time another replica started is removed (one time never runs twice)', async () => {
  const at = new Date(60_000).toISOString();
  const r = await adoptWith(
    { lastScheduleTime: at, active: [{ name: 'job-60', scheduledTime: at, node: 'n2' }] },
    [leftover('theirs', 'created', 60_000)],
    { nodeName: 'n1' },
  );
  assert.deepEqual(r.adopted, []);
  assert.deepEqual(r.removed, ['id-theirs']);
  assert.equal(r.summary.superseded, 1);
});

test('adoptLeftovers: a created container whose run is recorded already is removed, not started', async () => {
  const r = await adoptWith(
    {
      recentRuns: [
        {
          name: 'job-60',
          trigger: 'Schedule',
          attempt: 1,
          scheduledTime: new Date(60_000).toISOString(),
          finishTime: new Date(70_000).toISOString(),
          result: 'Unknown',
          reason: 'ReplicaLost',
        },
      ],
    },
    [leftover('recorded', 'created', 60_000)],
  );
  assert.deepEqual(r.adopted, []);
  assert.deepEqual(r.removed, ['id-recorded']);
});

test('adoptLeftovers: a created Manual or Chained run is started however late (no schedule to keep)', async () => {
  const manual = { ...leftover('manual', 'created', 1_000), trigger: 'Manual' as const };
  const chained = { ...leftover('chained', 'created', 2_000), trigger: 'Chained' as const };
  const r = await adoptWith({ lastScheduleTime: new Date(50_000).toISOString() }, [manual, chained], {
    nowMs: 10_000_000,
  });
  assert.deepEqual(r.adopted, ['id-manual', 'id-chained']);
  assert.deepEqual(r.removed, []);
  assert.deepEqual(r.missed, []);
});
