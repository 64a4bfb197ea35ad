import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { RunEvent, RunSubject } from '../../../../src/controller/run-events/run-event.ts';
import { RunEventBus } from '../../../../src/controller/run-events/run-event-bus.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { RunEventMetrics } from '../../../../src/metrics/run-event-metrics.ts';

const job: RunSubject = { key: 'default/a', namespace: 'default', name: 'a', uid: 'u', job: undefined };
const missed = (scheduledMs: number): RunEvent => ({
  type: 'Missed',
  job,
  atMs: scheduledMs + 1,
  scheduledMs,
  trigger: 'Schedule',
});

test('RunEventBus: observers hear every event, in registration order, synchronously', () => {
  const bus = new RunEventBus(silentLogger());
  const heard: string[] = [];
  bus.subscribe({ name: 'first', observe: (e) => heard.push(`first:${e.type}`) });
  bus.subscribe({ name: 'second', observe: (e) => heard.push(`second:${e.type}`) });
  bus.publish(missed(1));
  assert.deepEqual(heard, ['first:Missed', 'second:Missed'], 'delivered before publish returns');
  assert.deepEqual(bus.observerNames, ['first', 'second']);
});

test('RunEventBus: an observer that throws is counted and logged; the others still hear it', async () => {
  const registry = new Registry();
  const bus = new RunEventBus(silentLogger(), new RunEventMetrics(registry));
  const heard: number[] = [];
  bus.subscribe({
    name: 'broken',
    observe: () => {
      throw new Error('boom');
    },
  });
  bus.subscribe({ name: 'ok', observe: (e) => heard.push((e as { scheduledMs: number }).scheduledMs) });
  assert.doesNotThrow(() => bus.publish(missed(7)));
  assert.deepEqual(heard, [7]);
  const errors = await registry.getSingleMetric('ofelia_run_event_observer_errors_total')?.get();
  assert.deepEqual(
    errors?.values.map((v) => [v.labels.observer, v.value]),
    [['broken', 1]],
  );
  const published = await registry.getSingleMetric('ofelia_run_events_total')?.get();
  assert.deepEqual(
    published?.values.map((v) => [v.labels.type, v.value]),
    [['Missed', 1]],
  );
});

test('RunEventBus: unsubscribing during a publish does not disturb that publish', () => {
  const bus = new RunEventBus(silentLogger());
  const heard: string[] = [];
  let off: () => void = () => {};
  bus.subscribe({
    name: 'once',
    observe: () => {
      heard.push('once');
      off();
    },
  });
  off = bus.subscribe({ name: 'later', observe: () => heard.push('later') });
  bus.publish(missed(1));
  bus.publish(missed(2));
  assert.deepEqual(heard, ['once', 'later', 'once']);
});
