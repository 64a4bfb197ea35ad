/**
 * A reconcile racing the timer wheel: a reconcile that runs after an armed time fell due but
 * before the wheel fired it (its own status write came back as a watch event, the event loop was
 * busy) must start that time as a Schedule run, once — not take it for a missed time and start it
 * as a CatchUp (the restart e2e test saw two CatchUp runs after a restart that way).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FINALIZER, type RunRecord } from '../../../src/api/schema.ts';
import { Dispatcher, type RunExecutor } from '../../../src/controller/dispatcher.ts';
import { JobController } from '../../../src/controller/job-controller.ts';
import { JobEvents } from '../../../src/controller/job-events.ts';
import { JobStatusView } from '../../../src/controller/job-status-view.ts';
import { Scheduler } from '../../../src/controller/scheduler.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import type { RunRequest } from '../../../src/runner/run-types.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { recordingRunEvents } from '../../helpers/run-events.ts';

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);

/** A runner double: records what it was asked to start; runs never end. It starts nothing. */
class RecordingExecutor implements RunExecutor {
  readonly started: { scheduledMs: number; trigger: string }[] = [];
  run(req: RunRequest): Promise<RunRecord> {
    this.started.push({ scheduledMs: req.identity.scheduledTime, trigger: req.trigger });
    return new Promise(() => {});
  }
  adopt(): Promise<RunRecord> {
    return new Promise(() => {});
  }
}

function setup(spec: Record<string, unknown>) {
  const clock = new FakeClock(t0);
  const executor = new RecordingExecutor();
  let job: JobObject = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name: 'job',
      namespace: 'default',
      uid: 'u1',
      generation: 1,
      // As the API serves it (a string); client-node types it as a Date.
      creationTimestamp: new Date(t0 - 10_000).toISOString() as unknown as Date,
      finalizers: [FINALIZER],
    },
    spec: {
      schedule: '*/2 * * * * *',
      concurrencyPolicy: 'Allow',
      run: { image: 'local/busybox:test' },
      ...spec,
    },
    status: { lastScheduleTime: new Date(t0).toISOString() },
  };
  const dispatcher = new Dispatcher({
    executor,
    clock,
    logger: silentLogger(),
    events: recordingRunEvents().bus,
  });
  const scheduler = new Scheduler({
    clock,
    onError: (error) => {
      throw error;
    },
  });
  const controller = new JobController({
    cache: { get: () => job, list: () => [job], keys: () => ['default/job'] },
    status: new JobStatusView({ submit: () => {}, forget: () => {} }),
    events: new JobEvents({ record: () => {} }),
    finalizers: { add: async () => {}, remove: async () => {} },
    scheduler,
    dispatcher,
    clock,
    logger: silentLogger(),
    role: () => ({ leads: true }),
    enqueue: () => {},
  });
  return {
    clock,
    executor,
    scheduler,
    reconcile: () => controller.reconcile('default/job'),
    update: (change: Record<string, unknown>) => {
      job = { ...job, spec: { ...(job.spec as object), ...change } };
    },
  };
}

const cases: {
  name: string;
  /** Where the clock is at the second reconcile, from t0. */
  atMs: number;
  /** Let the wheel fire what is due before that reconcile. */
  wheelFirst: boolean;
  suspend?: boolean;
  want: { scheduledMs: number; trigger: string }[];
}[] = [
  { name: 'before the next time is due: nothing starts', atMs: 1_900, wheelFirst: false, want: [] },
  {
    name: 'after the wheel fired it: one Schedule run',
    atMs: 2_050,
    wheelFirst: true,
    want: [{ scheduledMs: t0 + 2_000, trigger: 'Schedule' }],
  },
  {
    name: 'due but not fired yet: one Schedule run, no CatchUp',
    atMs: 2_050,
    wheelFirst: false,
    want: [{ scheduledMs: t0 + 2_000, trigger: 'Schedule' }],
  },
  {
    name: 'due but not fired yet, suspended meanwhile: nothing starts',
    atMs: 2_050,
    wheelFirst: false,
    suspend: true,
    want: [],
  },
  // A stalled event loop: the armed time and a later one passed. Whoever comes first, the outcome
  // is the same: the armed time runs (late), the later one is caught up.
  ...[true, false].map((wheelFirst) => ({
    name: `a later time passed too, ${wheelFirst ? 'wheel' : 'reconcile'} first: armed time + CatchUp`,
    atMs: 4_050,
    wheelFirst,
    want: [
      { scheduledMs: t0 + 2_000, trigger: 'Schedule' },
      { scheduledMs: t0 + 4_000, trigger: 'CatchUp' },
    ],
  })),
];

for (const c of cases) {
  test(`reconcile vs. wheel: ${c.name}`, async () => {
    const { clock, executor, scheduler, reconcile, update } = setup({});
    clock.set(t0 + 100);
    await reconcile();
    assert.deepEqual(scheduler.armed('default/job'), { scheduledMs: t0 + 2_000, dueMs: t0 + 2_000 });
    if (c.wheelFirst) clock.advance(c.atMs - 100);
    else clock.set(t0 + c.atMs);
    if (c.suspend) update({ suspend: true });
    await reconcile();
    // Whatever the wheel still holds fires now: nothing may start a second time.
    clock.advance(0);
    await reconcile();
    assert.deepEqual(executor.started, c.want);
  });
}
