/**
 * After a restart the controller seeds each job's status from the server, where conditions come
 * back in the schema's key order. A job whose status is already right must not be written again
 * (a string comparison of conditions did: one needless write per job per restart).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusPatch } from '../../../src/api/job-reporting.ts';
import { FINALIZER } from '../../../src/api/schema.ts';
import { Dispatcher, type RunExecutor } from '../../../src/controller/dispatcher.ts';
import { JobController } from '../../../src/controller/job-controller.ts';
import { JobEvents } from '../../../src/controller/job-events.ts';
import { JobStatusView } from '../../../src/controller/job-status-view.ts';
import { Scheduler } from '../../../src/controller/scheduler.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { recordingRunEvents } from '../../helpers/run-events.ts';

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);

const never: RunExecutor = { run: () => new Promise(() => {}), adopt: () => new Promise(() => {}) };

/** A controller over one job with `status`; returns the status patches it submits on a reconcile. */
async function reconcileWith(status: Record<string, unknown>): Promise<StatusPatch[]> {
  const clock = new FakeClock(t0);
  const job: JobObject = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: {
      name: 'job',
      namespace: 'default',
      uid: 'u1',
      generation: 1,
      creationTimestamp: new Date(t0 - 10_000).toISOString() as unknown as Date,
      finalizers: [FINALIZER],
    },
    spec: { schedule: '0 3 * * *', run: { image: 'local/busybox:test' } },
    status,
  };
  const submitted: StatusPatch[] = [];
  const controller = new JobController({
    cache: { get: () => job, list: () => [job], keys: () => ['default/job'] },
    status: new JobStatusView({ submit: (_key, patch) => submitted.push(patch), forget: () => {} }),
    events: new JobEvents({ record: () => {} }),
    finalizers: { add: async () => {}, remove: async () => {} },
    scheduler: new Scheduler({ clock, onError: (e) => assert.fail(String(e)) }),
    dispatcher: new Dispatcher({
      executor: never,
      clock,
      logger: silentLogger(),
      events: recordingRunEvents().bus,
    }),
    clock,
    logger: silentLogger(),
    role: () => ({ leads: true }),
    enqueue: () => {},
  });
  await controller.reconcile('default/job');
  return submitted;
}

/** The same conditions with their keys in the order the server's schema writes them. */
function inSchemaOrder(conditions: Record<string, unknown>[]): Record<string, unknown>[] {
  const order = ['type', 'status', 'reason', 'message', 'lastTransitionTime', 'observedGeneration'];
  return conditions.map((c) => Object.fromEntries(order.filter((k) => k in c).map((k) => [k, c[k]])));
}

test('a status read back from the server with the same content is not written again', async () => {
  const [first, ...more] = await reconcileWith({});
  assert.ok(first?.conditions && first.nextScheduleTime, 'a new job gets its first status');
  assert.deepEqual(more, []);
  const stored = { ...first, conditions: inSchemaOrder(first.conditions as Record<string, unknown>[]) };
  assert.notEqual(JSON.stringify(stored.conditions), JSON.stringify(first.conditions), 'key order differs');
  assert.deepEqual(await reconcileWith(stored), []);
});
