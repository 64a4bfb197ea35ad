import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { runName } from '../../../src/api/run-identity.ts';
import type { RunRecord, RunResult, ScheduledDockerJob } from '../../../src/api/schema.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { Dispatcher, type RunExecutor } from '../../../src/controller/dispatcher.ts';
import { JobState } from '../../../src/controller/job-state.ts';
import { keepJob } from '../../../src/controller/kept-job.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { SchedulerMetrics } from '../../../src/metrics/scheduler-metrics.ts';
import type { RunHooks, RunRequest } from '../../../src/runner/run-types.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { recordingRunEvents } from '../../helpers/run-events.ts';
import { settle } from '../../helpers/wait.ts';

/**
 * A runner double the test controls: each run waits until the test ends it with a result, or until
 * its signal aborts (then it ends Cancelled, as the real runner does after stopping the container).
 * It starts nothing.
 */
class FakeExecutor implements RunExecutor {
  readonly started: { name: string; trigger: string; attempt: number; adopted: boolean }[] = [];
  private readonly endings = new Map<string, (result: RunResult) => void>();

  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.begin(req, signal, hooks, false);
  }

  adopt(_containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.begin(req, signal, hooks, true);
  }

  end(name: string, result: RunResult): void {
    const end = this.endings.get(name);
    assert.ok(end, `run ${name} is running`);
    end(result);
  }

  get running(): string[] {
    return [...this.endings.keys()];
  }

  private begin(
    req: RunRequest,
    signal: AbortSignal,
    hooks: RunHooks | undefined,
    adopted: boolean,
  ): Promise<RunRecord> {
    const name = runName(req.identity);
    this.started.push({ name, trigger: req.trigger, attempt: req.identity.attempt, adopted });
    hooks?.onStarted?.({ containerId: `c-${name}`, startTime: req.identity.scheduledTime });
    return new Promise((resolve) => {
      const finish = (result: RunResult) => {
        this.endings.delete(name);
        resolve({
          name,
          trigger: req.trigger,
          attempt: req.identity.attempt,
          scheduledTime: new Date(req.identity.scheduledTime).toISOString(),
          finishTime: new Date(req.identity.scheduledTime + 1000).toISOString(),
          result,
          reason: result,
        });
      };
      this.endings.set(name, finish);
      signal.addEventListener('abort', () => finish('Cancelled'), { once: true });
    });
  }
}

const tenOClock = Date.UTC(2026, 2, 10, 10, 0, 0);
const minute = 60_000;

function makeJob(spec: Record<string, unknown>): ScheduledDockerJob {
  const v = validateScheduledDockerJob({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'job', namespace: 'default', uid: 'u1' },
    spec: { schedule: '* * * * *', run: { image: 'local/busybox:test' }, ...spec },
  });
  assert.ok(v.ok);
  return v.job;
}

function setup(
  spec: Record<string, unknown>,
  opts: { max?: number; queue?: number; mayStart?: (state: JobState) => boolean } = {},
) {
  const clock = new FakeClock(tenOClock);
  const executor = new FakeExecutor();
  const { bus, events, writes, published } = recordingRunEvents();
  const dispatcher = new Dispatcher({
    executor,
    events: bus,
    clock,
    logger: silentLogger(),
    maxConcurrentRunsPerDaemon: opts.max ?? 50,
    runQueueLimit: opts.queue ?? 10,
    mayStart: opts.mayStart,
  });
  const state = new JobState('default', 'job', 'u1', {});
  state.job = keepJob(makeJob(spec));
  const fire = (minutes: number, trigger: 'Schedule' | 'Manual' = 'Schedule', s = state) =>
    dispatcher.fire(s, {
      scheduledMs: tenOClock + minutes * minute,
      trigger,
      attempt: 1,
      dueMs: tenOClock + minutes * minute,
    });
  return { clock, executor, events, writes, published, dispatcher, state, fire };
}

test('Dispatcher: mayStart false (cluster mode: not this replica’s job now) starts nothing and claims nothing', async () => {
  let owned = false;
  const { executor, state, fire } = setup({}, { mayStart: () => owned });
  fire(0);
  await settle();
  assert.equal(executor.started.length, 0);
  assert.equal(state.lastActedMs, undefined, 'the time stays free for its owner');
  owned = true;
  fire(0);
  await settle();
  assert.deepEqual(
    executor.started.map((s) => s.name),
    ['job-1773136800'],
  );
});

test('Dispatcher: a run waiting for a slot is not started once mayStart turns false', async () => {
  let owned = true;
  const { executor, fire } = setup({ concurrencyPolicy: 'Allow' }, { max: 1, mayStart: () => owned });
  fire(0);
  fire(1);
  await settle();
  assert.equal(executor.started.length, 1, 'the second waits for the slot');
  owned = false;
  executor.end('job-1773136800', 'Succeeded');
  await settle();
  assert.equal(executor.started.length, 1, 'fenced: the waiting run does not start');
});

const policyCases = [
  {
    policy: 'Allow',
    wantStarted: ['job-1773136800', 'job-1773136860'],
    wantRunning: 2,
    wantSkipped: 0,
    wantCancelled: 0,
  },
  { policy: 'Forbid', wantStarted: ['job-1773136800'], wantRunning: 1, wantSkipped: 1, wantCancelled: 0 },
  {
    policy: 'Replace',
    wantStarted: ['job-1773136800', 'job-1773136860'],
    wantRunning: 1,
    wantSkipped: 0,
    wantCancelled: 1,
  },
];
for (const c of policyCases) {
  test(`Dispatcher: concurrencyPolicy ${c.policy} with a run still active`, async () => {
    const { executor, state, fire, events } = setup({ concurrencyPolicy: c.policy });
    fire(0);
    await settle();
    fire(1);
    await settle();
    assert.deepEqual(
      executor.started.map((s) => s.name),
      c.wantStarted,
    );
    assert.equal(executor.running.length, c.wantRunning);
    assert.equal(state.status.counters?.skipped ?? 0, c.wantSkipped);
    assert.equal(events.filter((e) => e === 'Warning/JobAlreadyActive').length, c.wantSkipped);
    assert.equal(
      state.status.recentRuns?.filter((r) => r.result === 'Cancelled').length ?? 0,
      c.wantCancelled,
    );
    assert.equal(state.status.activeCount, c.wantRunning);
  });
}

/** A runner double whose runs take a while to stop after an abort (a container ignoring SIGTERM). */
class SlowStopExecutor extends FakeExecutor {
  readonly stoppers: (() => void)[] = [];
  override run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    const slow = new AbortController();
    signal.addEventListener('abort', () => this.stoppers.push(() => slow.abort()), { once: true });
    return super.run(req, slow.signal, hooks);
  }
}

test('Dispatcher: Replace while the replaced run is still stopping starts only the newest time', async () => {
  const clock = new FakeClock(tenOClock);
  const executor = new SlowStopExecutor();
  const state = new JobState('default', 'job', 'u1', {});
  state.job = keepJob(makeJob({ concurrencyPolicy: 'Replace' }));
  const dispatcher = new Dispatcher({
    executor,
    clock,
    logger: silentLogger(),
    events: recordingRunEvents().bus,
  });
  for (let m = 0; m < 4; m++) {
    dispatcher.fire(state, {
      scheduledMs: tenOClock + m * minute,
      trigger: 'Schedule',
      attempt: 1,
      dueMs: tenOClock + m * minute,
    });
    await settle();
  }
  assert.equal(executor.running.length, 1, 'nothing new while the first is stopping');
  for (const stop of executor.stoppers.splice(0)) stop();
  await settle();
  assert.deepEqual(executor.running, ['job-1773136980']);
  assert.equal(state.status.counters?.skipped, 2, 'the two superseded times are counted');
});

test('Dispatcher: a scheduled time never runs twice', async () => {
  const { executor, fire } = setup({ concurrencyPolicy: 'Allow' });
  fire(0);
  fire(0);
  await settle();
  executor.end('job-1773136800', 'Succeeded');
  await settle();
  fire(0);
  fire(-1);
  await settle();
  assert.equal(executor.started.length, 1);
});

test('Dispatcher: starting writes active + lastScheduleTime urgently; finishing writes the record', async () => {
  const { executor, fire, writes, state, events } = setup({});
  fire(0);
  await settle();
  const first = writes[0];
  assert.equal(first?.urgent, true);
  assert.equal(first?.patch.lastScheduleTime, '2026-03-10T10:00:00.000Z');
  assert.equal(first?.patch.activeCount, 1);
  assert.equal(state.status.active?.[0]?.containerId, 'c-job-1773136800');
  executor.end('job-1773136800', 'Succeeded');
  await settle();
  assert.equal(state.status.activeCount, 0);
  assert.equal(state.status.active, undefined);
  assert.equal(state.status.lastResult, 'Succeeded');
  assert.equal(state.status.lastSuccessfulTime, '2026-03-10T10:00:01.000Z');
  assert.deepEqual(state.status.counters, { succeeded: 1, failed: 0, missed: 0, skipped: 0 });
  assert.deepEqual(events, ['Normal/SuccessfulCreate', 'Normal/SawCompletedJob']);
});

test('Dispatcher: a run past startingDeadlineSeconds is missed, not started', async () => {
  const { executor, clock, state, fire, events } = setup({ startingDeadlineSeconds: 10 });
  clock.set(tenOClock + 11_000);
  fire(0);
  await settle();
  assert.equal(executor.started.length, 0);
  assert.equal(state.status.counters?.missed, 1);
  assert.deepEqual(events, ['Warning/MissSchedule']);
});

test('Dispatcher: over the per-daemon limit runs wait in FIFO order; a full queue skips with QueueFull', async () => {
  const { executor, dispatcher, events } = setup({ concurrencyPolicy: 'Allow' }, { max: 1, queue: 1 });
  const jobs = ['a', 'b', 'c'].map((n) => {
    const s = new JobState('default', n, `uid-${n}`, {});
    s.job = keepJob(makeJob({ concurrencyPolicy: 'Allow' }));
    return s;
  });
  for (const s of jobs)
    dispatcher.fire(s, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  assert.deepEqual(executor.running, ['a-1773136800']);
  assert.equal(dispatcher.queuedCount, 1);
  assert.equal(jobs[2]?.status.counters?.skipped, 1);
  assert.ok(events.includes('Warning/QueueFull'));
  executor.end('a-1773136800', 'Succeeded');
  await settle();
  assert.deepEqual(executor.running, ['b-1773136800']);
  assert.equal(dispatcher.queuedCount, 0);
});

test('Dispatcher: a failed run is retried with backoff under a new run name, up to the limit', async () => {
  const { executor, clock, fire, state } = setup({
    retry: { limit: 2, initialBackoffSeconds: 10, maxBackoffSeconds: 300 },
  });
  fire(0);
  await settle();
  executor.end('job-1773136800', 'Failed');
  await settle();
  clock.advance(9_999);
  await settle();
  assert.equal(executor.started.length, 1, 'waits 10 s');
  clock.advance(1);
  await settle();
  assert.deepEqual(executor.started[1], {
    name: 'job-1773136800-2',
    trigger: 'Retry',
    attempt: 2,
    adopted: false,
  });
  executor.end('job-1773136800-2', 'Failed');
  await settle();
  clock.advance(20_000);
  await settle();
  assert.equal(executor.started[2]?.name, 'job-1773136800-3');
  executor.end('job-1773136800-3', 'Failed');
  await settle();
  clock.advance(600_000);
  await settle();
  assert.equal(executor.started.length, 3, 'no retry beyond the limit');
  assert.equal(state.status.counters?.failed, 3);
});

test('Dispatcher: manual triggers start even when the same scheduled second ran', async () => {
  const { executor, dispatcher, state, fire } = setup({ concurrencyPolicy: 'Allow' });
  fire(0);
  dispatcher.fire(state, {
    scheduledMs: tenOClock + 500,
    trigger: 'Manual',
    attempt: 1,
    dueMs: tenOClock + 500,
  });
  await settle();
  // Same second, same name: the manual run is not started twice alongside it.
  assert.equal(executor.started.length, 1);
  dispatcher.fire(state, {
    scheduledMs: tenOClock + 2000,
    trigger: 'Manual',
    attempt: 1,
    dueMs: tenOClock + 2000,
  });
  await settle();
  assert.deepEqual(
    executor.started.map((s) => s.trigger),
    ['Schedule', 'Manual'],
  );
});

test('Dispatcher: cancel aborts active runs and drops the pending retry', async () => {
  const { executor, clock, fire, dispatcher, state } = setup({
    concurrencyPolicy: 'Allow',
    retry: { limit: 3, initialBackoffSeconds: 1, maxBackoffSeconds: 1 },
  });
  fire(0);
  fire(1);
  await settle();
  executor.end('job-1773136800', 'Failed');
  await settle();
  await dispatcher.cancel(state, 'job deleted');
  clock.advance(10_000);
  await settle();
  assert.equal(executor.running.length, 0);
  assert.equal(executor.started.length, 2, 'the retry never started');
  assert.equal(state.status.lastResult, 'Cancelled');
  fire(2);
  await settle();
  assert.equal(executor.started.length, 2, 'nothing starts after cancel');
});

test('Dispatcher: drain lets runs finish within the grace period, then cancels the rest', async () => {
  const { executor, clock, dispatcher } = setup({ concurrencyPolicy: 'Allow' });
  const a = new JobState('default', 'a', 'ua', {});
  a.job = keepJob(makeJob({}));
  const b = new JobState('default', 'b', 'ub', {});
  b.job = keepJob(makeJob({}));
  dispatcher.fire(a, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  dispatcher.fire(b, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  let drained = false;
  const draining = dispatcher.drain(5000).then(() => {
    drained = true;
  });
  executor.end('a-1773136800', 'Succeeded');
  await settle();
  assert.equal(drained, false);
  clock.advance(5000);
  await draining;
  assert.equal(a.status.lastResult, 'Succeeded');
  assert.equal(b.status.lastResult, 'Cancelled');
  dispatcher.fire(a, {
    scheduledMs: tenOClock + minute,
    trigger: 'Schedule',
    attempt: 1,
    dueMs: tenOClock + minute,
  });
  await settle();
  assert.equal(executor.started.length, 2, 'nothing starts once draining');
});

test('Dispatcher: an adopted run is tracked, claims its time and records its end', async () => {
  const { executor, dispatcher, state, fire, events } = setup({});
  dispatcher.adopt(
    state,
    'abc123',
    'local',
    {
      namespace: 'default',
      jobName: 'job',
      jobUid: 'u1',
      scheduledTime: tenOClock,
      attempt: 1,
    },
    'Schedule',
  );
  await settle();
  assert.equal(executor.started[0]?.adopted, true);
  fire(0);
  await settle();
  assert.equal(executor.started.length, 1, 'the adopted time is not run again');
  executor.end('job-1773136800', 'Succeeded');
  await settle();
  assert.equal(state.status.lastResult, 'Succeeded');
  assert.deepEqual(events, ['Normal/Adopted', 'Normal/SawCompletedJob']);
});

test('Dispatcher: an adopted run whose container had exited keeps no time from running (Forbid), and is still recorded', async () => {
  const { executor, dispatcher, state, fire, events } = setup({ concurrencyPolicy: 'Forbid' });
  const identity = {
    namespace: 'default',
    jobName: 'job',
    jobUid: 'u1',
    scheduledTime: tenOClock,
    attempt: 1,
  };
  dispatcher.adopt(state, 'abc123', 'local', identity, 'Schedule', { ended: true });
  await settle();
  // Its record is still being collected (a loaded daemon: logs, removal) when the next time is due.
  fire(1);
  await settle();
  assert.deepEqual(
    executor.started.map((r) => [r.name, r.adopted]),
    [
      ['job-1773136800', true],
      ['job-1773136860', false],
    ],
    'the next time starts: the adopted run is over, only collected',
  );
  fire(0);
  await settle();
  assert.equal(executor.started.length, 2, 'the adopted time is not run again');
  executor.end('job-1773136800', 'Succeeded');
  executor.end('job-1773136860', 'Succeeded');
  await settle();
  assert.deepEqual(events, [
    'Normal/Adopted',
    'Normal/SuccessfulCreate',
    'Normal/SawCompletedJob',
    'Normal/SawCompletedJob',
  ]);
});

test('Dispatcher: an adopted run that still runs counts as active: Forbid skips the next time', async () => {
  const { executor, dispatcher, state, fire, events } = setup({ concurrencyPolicy: 'Forbid' });
  const identity = {
    namespace: 'default',
    jobName: 'job',
    jobUid: 'u1',
    scheduledTime: tenOClock,
    attempt: 1,
  };
  dispatcher.adopt(state, 'abc123', 'local', identity, 'Schedule');
  await settle();
  fire(1);
  await settle();
  assert.equal(executor.started.length, 1);
  assert.deepEqual(events, ['Normal/Adopted', 'Warning/JobAlreadyActive']);
});

test('Dispatcher: a queued run that can no longer start within startingDeadlineSeconds is missed', async () => {
  const { executor, clock, dispatcher, events } = setup({}, { max: 1 });
  const [a, b] = ['a', 'b'].map((n) => {
    const s = new JobState('default', n, `uid-${n}`, {});
    s.job = keepJob(makeJob({ startingDeadlineSeconds: 30 }));
    return s;
  });
  assert.ok(a && b);
  for (const s of [a, b])
    dispatcher.fire(s, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  assert.equal(dispatcher.queuedCount, 1);
  clock.set(tenOClock + 31_000);
  executor.end('a-1773136800', 'Succeeded');
  await settle();
  assert.deepEqual(executor.running, [], 'b waited too long');
  assert.equal(b.status.counters?.missed, 1);
  assert.equal(b.queued, 0);
  assert.equal(dispatcher.queuedCount, 0);
  assert.ok(events.includes('Warning/MissSchedule'));
});

test('Dispatcher: releasing a job drops its queued runs; the others keep their place', async () => {
  const { executor, dispatcher } = setup({}, { max: 1 });
  const jobs = ['a', 'b', 'c'].map((n) => {
    const s = new JobState('default', n, `uid-${n}`, {});
    s.job = keepJob(makeJob({}));
    return s;
  });
  for (const s of jobs)
    dispatcher.fire(s, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  assert.equal(dispatcher.queuedCount, 2);
  const [a, b] = jobs;
  assert.ok(a && b);
  dispatcher.release(b);
  assert.equal(dispatcher.queuedCount, 1);
  assert.equal(b.queued, 0);
  executor.end('a-1773136800', 'Succeeded');
  await settle();
  assert.deepEqual(executor.running, ['c-1773136800']);
});

test('Dispatcher: drain skips queued runs with reason Shutdown', async () => {
  const { executor, dispatcher, events } = setup({}, { max: 1 });
  const [a, b] = ['a', 'b'].map((n) => {
    const s = new JobState('default', n, `uid-${n}`, {});
    s.job = keepJob(makeJob({}));
    return s;
  });
  assert.ok(a && b);
  for (const s of [a, b])
    dispatcher.fire(s, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  const draining = dispatcher.drain(60_000);
  assert.equal(dispatcher.queuedCount, 0);
  assert.equal(b.status.counters?.skipped, 1);
  assert.ok(events.includes('Warning/Shutdown'));
  executor.end('a-1773136800', 'Succeeded');
  await draining;
  assert.deepEqual(
    executor.started.map((s) => s.name),
    ['a-1773136800'],
  );
});

test('Dispatcher: a runner that rejects still ends the run with an Error record and frees its slot', async () => {
  const clock = new FakeClock(tenOClock);
  const state = new JobState('default', 'job', 'u1', {});
  state.job = keepJob(makeJob({ concurrencyPolicy: 'Allow' }));
  let calls = 0;
  const dispatcher = new Dispatcher({
    executor: {
      run: () => {
        calls++;
        return Promise.reject(new Error('boom'));
      },
      adopt: () => Promise.reject(new Error('boom')),
    },
    clock,
    logger: silentLogger(),
    maxConcurrentRunsPerDaemon: 1,
    events: recordingRunEvents().bus,
  });
  for (const m of [0, 1]) {
    dispatcher.fire(state, {
      scheduledMs: tenOClock + m * minute,
      trigger: 'Schedule',
      attempt: 1,
      dueMs: tenOClock + m * minute,
    });
  }
  await settle();
  assert.equal(calls, 2, 'the slot of the first was freed for the second');
  assert.equal(state.status.lastRun?.result, 'Error');
  assert.equal(state.status.lastRun?.reason, 'RunnerError');
  assert.equal(dispatcher.activeCount, 0);
});

test('Dispatcher: the active and queued gauges follow the runs', async () => {
  const registry = new Registry();
  const metrics = new SchedulerMetrics(registry);
  const clock = new FakeClock(tenOClock);
  const executor = new FakeExecutor();
  const dispatcher = new Dispatcher({
    executor,
    clock,
    logger: silentLogger(),
    metrics,
    maxConcurrentRunsPerDaemon: 1,
    events: recordingRunEvents().bus,
  });
  const gauge = async (name: string) =>
    (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? Number.NaN;
  const jobs = ['a', 'b'].map((n) => {
    const s = new JobState('default', n, `uid-${n}`, {});
    s.job = keepJob(makeJob({}));
    return s;
  });
  for (const s of jobs)
    dispatcher.fire(s, { scheduledMs: tenOClock, trigger: 'Schedule', attempt: 1, dueMs: tenOClock });
  await settle();
  assert.equal(await gauge('ofelia_active_runs'), 1);
  assert.equal(await gauge('ofelia_runs_queued'), 1);
  executor.end('a-1773136800', 'Succeeded');
  await settle();
  assert.equal(await gauge('ofelia_active_runs'), 1);
  assert.equal(await gauge('ofelia_runs_queued'), 0);
  executor.end('b-1773136800', 'Succeeded');
  await settle();
  assert.equal(await gauge('ofelia_active_runs'), 0);
});

test('Dispatcher: an unstarted leftover past its deadline is recorded as Missed and its time is not run again', async () => {
  const { executor, dispatcher, clock, state, fire, events } = setup({ startingDeadlineSeconds: 10 });
  clock.set(tenOClock + 5 * minute);
  dispatcher.missedLeftover(
    state,
    { namespace: 'default', jobName: 'job', jobUid: 'u1', scheduledTime: tenOClock, attempt: 1 },
    'Schedule',
  );
  await settle();
  assert.equal(state.status.counters?.missed, 1);
  assert.deepEqual(events, ['Warning/MissSchedule']);
  fire(0);
  await settle();
  assert.equal(executor.started.length, 0, 'the missed time is acted on');
  assert.equal(state.status.counters?.missed, 1);
});

test('Dispatcher: a Finished event carries the status result before it (what a notifier seeds Recovered from)', async () => {
  const { executor, published, state, fire } = setup({ concurrencyPolicy: 'Allow' });
  state.status = { lastResult: 'Failed' };
  fire(0);
  await settle();
  executor.end('job-1773136800', 'Succeeded');
  await settle();
  fire(1);
  await settle();
  executor.end('job-1773136860', 'Failed');
  await settle();
  const finished = published.flatMap((e) => (e.type === 'Finished' ? [e] : []));
  assert.deepEqual(
    finished.map((e) => [e.record.result, e.previousResult]),
    [
      ['Succeeded', 'Failed'],
      ['Failed', 'Succeeded'],
    ],
    'read before the status observer records the run itself',
  );
  assert.equal(state.status.lastResult, 'Failed');
  assert.equal(state.active.size, 0);
});
