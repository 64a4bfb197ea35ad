import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventTarget } from '../../../src/api/job-reporting.ts';
import { type CoreEvent, EventRecorder, type EventSink } from '../../../src/kube/event-recorder.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { TokenBucket } from '../../../src/machinery/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { settle } from '../../helpers/wait.ts';

/**
 * A fake Events API (test double): keeps created Events by name and applies bumps; a create of an
 * existing name answers 409 and a bump of a missing one 404, as the API server does. Nothing else.
 */
class FakeEventSink implements EventSink {
  readonly events = new Map<string, CoreEvent>();
  creates = 0;
  bumps = 0;
  async create(event: CoreEvent): Promise<void> {
    this.creates++;
    if (this.events.has(event.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
    this.events.set(event.metadata.name, structuredClone(event));
  }
  async bump(_ns: string, name: string, count: number, lastTimestamp: string): Promise<void> {
    this.bumps++;
    const e = this.events.get(name);
    if (!e) throw Object.assign(new Error('not found'), { code: 404 });
    e.count = count;
    e.lastTimestamp = lastTimestamp;
  }
}

const job: EventTarget = {
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  namespace: 'default',
  name: 'backup',
  uid: 'u1',
};
function setup(opts: { rate?: number; burst?: number; maxPending?: number } = {}) {
  const clock = new FakeClock();
  const sink = new FakeEventSink();
  const recorder = new EventRecorder({
    sink,
    clock,
    logger: silentLogger(),
    bucket: new TokenBucket({ ratePerSecond: opts.rate ?? 100, burst: opts.burst ?? 100, clock }),
    maxPending: opts.maxPending ?? 100,
    host: 'node-a',
  });
  return { clock, sink, recorder };
}

test('EventRecorder: the same event within the window bumps count instead of creating another', async () => {
  const { clock, sink, recorder } = setup();
  recorder.record(job, 'Warning', 'JobAlreadyActive', 'Not starting run: a run is active');
  await settle();
  clock.advance(2000);
  recorder.record(job, 'Warning', 'JobAlreadyActive', 'Not starting run: a run is active');
  await settle();
  clock.advance(2000);
  recorder.record(job, 'Warning', 'JobAlreadyActive', 'Not starting run: a run is active');
  await settle();
  assert.equal(sink.events.size, 1);
  const [event] = [...sink.events.values()];
  assert.equal(event?.count, 3);
  assert.equal(event?.firstTimestamp, '2026-01-01T00:00:00.000Z');
  assert.equal(event?.lastTimestamp, '2026-01-01T00:00:04.000Z');
  assert.equal(event?.involvedObject.uid, 'u1');
  assert.equal(event?.source.host, 'node-a');
});

test('EventRecorder: a different message or reason, or the window passing, creates a new Event', async () => {
  const { clock, sink, recorder } = setup();
  recorder.record(job, 'Normal', 'SawCompletedJob', 'run a finished');
  recorder.record(job, 'Normal', 'SawCompletedJob', 'run b finished');
  recorder.record(job, 'Warning', 'RunFailed', 'run b finished');
  await settle();
  clock.advance(11 * 60_000);
  recorder.record(job, 'Normal', 'SawCompletedJob', 'run a finished');
  await settle();
  assert.equal(sink.events.size, 4);
});

test('EventRecorder: repeats while the first write waits for the rate limit become one create', async () => {
  const { clock, sink, recorder } = setup({ rate: 1, burst: 1 });
  recorder.record(job, 'Normal', 'Other', 'takes the only token');
  for (let i = 0; i < 5; i++) recorder.record(job, 'Warning', 'MissSchedule', 'missed');
  await settle();
  clock.advance(1000);
  await settle();
  assert.equal(sink.creates, 2);
  assert.equal(sink.bumps, 0);
  const missed = [...sink.events.values()].find((e) => e.reason === 'MissSchedule');
  assert.equal(missed?.count, 5);
});

test('EventRecorder: a full queue drops new events (counted), never blocks', async () => {
  const { clock, sink, recorder } = setup({ rate: 1, burst: 1, maxPending: 3 });
  for (let i = 0; i < 10; i++) recorder.record(job, 'Normal', 'R', `message ${i}`);
  await settle();
  for (let i = 0; i < 20; i++) {
    clock.advance(1000);
    await settle();
  }
  // the first went out at once; three waited; six were dropped
  assert.equal(sink.events.size, 4);
});

test('EventRecorder: under a backlog, Warnings are written before the Normal events queued with them', async () => {
  const { clock, sink, recorder } = setup({ rate: 1, burst: 1 });
  for (let i = 0; i < 5; i++) recorder.record(job, 'Normal', 'SuccessfulCreate', `run ${i}`);
  recorder.record(job, 'Warning', 'OwnerLost', 'the replica on node a stopped renewing its Lease');
  recorder.record(job, 'Normal', 'SuccessfulCreate', 'run 5');
  await settle();
  clock.advance(1000);
  await settle();
  const reasons = [...sink.events.values()].map((e) => `${e.reason}:${e.message}`);
  assert.deepEqual(reasons, [
    'SuccessfulCreate:run 0',
    'OwnerLost:the replica on node a stopped renewing its Lease',
  ]);
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    await settle();
  }
  assert.equal(sink.events.size, 7, 'the Normal ones follow, none lost');
});

test('EventRecorder: a full queue drops its oldest Normal event to keep a Warning', async () => {
  const { clock, sink, recorder } = setup({ rate: 1, burst: 1, maxPending: 3 });
  for (let i = 0; i < 4; i++) recorder.record(job, 'Normal', 'R', `message ${i}`);
  recorder.record(job, 'Warning', 'OwnerLost', 'the replica on node a stopped renewing its Lease');
  recorder.record(job, 'Warning', 'MissSchedule', 'missed');
  recorder.record(job, 'Warning', 'Third', 'third warning');
  recorder.record(job, 'Warning', 'Fourth', 'no Normal left to drop: dropped');
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    await settle();
  }
  const messages = [...sink.events.values()].map((e) => e.message);
  assert.deepEqual(messages.sort(), [
    'message 0',
    'missed',
    'the replica on node a stopped renewing its Lease',
    'third warning',
  ]);
});

test('EventRecorder: flush waits for pending events', async () => {
  const { clock, recorder, sink } = setup({ rate: 10, burst: 1 });
  recorder.record(job, 'Normal', 'A', 'a');
  recorder.record(job, 'Normal', 'B', 'b');
  const flushed = recorder.flush(5000);
  for (let i = 0; i < 5; i++) {
    clock.advance(100);
    await settle();
  }
  assert.equal(await flushed, true);
  assert.equal(sink.events.size, 2);
});
