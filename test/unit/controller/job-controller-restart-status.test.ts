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
import type { JobState } from '../../../src/controller/job-state.ts';
import { JobStatusView } from '../../../src/controller/job-status-view.ts';
import { Scheduler } from '../../../src/controller/scheduler.ts';
import type { JobObject } from '../../../src/kube/job-api.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { recordingRunEvents } from '../../helpers/run-events.ts';

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);

const never: RunExecutor = { run: () => new Promise(() => {}), adopt: () => new Promise(() => {}) };

/**
 * A controller over one job with `status` (and `metadata` added to the job's own); returns the
 * status patches it submits on a reconcile, and the job's state after it.
 */
async function reconcile(
  status: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): Promise<{
  patches: StatusPatch[];
  state: JobState | undefined;
  job: JobObject;
  controller: JobController;
}> {
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
      ...metadata,
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
  return { patches: submitted, state: controller.state('default/job'), job, controller };
}

async function reconcileWith(status: Record<string, unknown>): Promise<StatusPatch[]> {
  return (await reconcile(status)).patches;
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

test('the state keeps the validated spec and labels of the job, and one status: its own', async () => {
  const status = { observedGeneration: 1, lastResult: 'Failed', owner: 'node-a' };
  const { state } = await reconcile(status, {
    labels: { team: 'ops' },
    annotations: { note: 'read from the cache when needed' },
    managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
  });
  assert.ok(state?.job, 'a valid job');
  assert.deepEqual(Object.keys(state.job).sort(), ['labels', 'spec'], 'no metadata, no status');
  assert.deepEqual(state.job.labels, { team: 'ops' });
  assert.equal(state.job.spec.run?.image, 'local/busybox:test');
  assert.equal(state.job.spec.concurrencyPolicy, 'Forbid', 'defaults applied');
  assert.equal(state.status.lastResult, 'Failed', 'the status this replica starts from');
});

test('the compiled schedule is kept while schedule and time zone stay, compiled again when either changes', async () => {
  const { state, job, controller } = await reconcile({});
  const first = state?.compiled;
  assert.equal(first?.expression, '0 3 * * *');
  await controller.reconcile('default/job');
  assert.equal(state?.compiled, first, 'same schedule and zone: not compiled again');
  job.spec = { schedule: '0 3 * * *', timeZone: 'Europe/Berlin', run: { image: 'local/busybox:test' } };
  await controller.reconcile('default/job');
  assert.notEqual(state?.compiled, first);
  assert.equal(state?.compiled?.timeZone, 'Europe/Berlin');
  const berlin = state?.compiled;
  job.spec = { schedule: '0 4 * * *', timeZone: 'Europe/Berlin', run: { image: 'local/busybox:test' } };
  await controller.reconcile('default/job');
  assert.notEqual(state?.compiled, berlin);
  assert.equal(state?.compiled?.expression, '0 4 * * *');
});
