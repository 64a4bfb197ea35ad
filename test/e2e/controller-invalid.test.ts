/**
 * Invalid specs end to end. The embedded server refuses invalid specs (422), so such objects only
 * exist when they were stored before a rule was tightened (an upgrade) or in a cluster whose CRD
 * schema cannot express the rule. This test makes the first case: it writes the objects straight
 * into the data dir's store, in the form the REST layer stores (created valid through the resource
 * engine, then given a schedule that never fires / an unknown time zone), and starts the server
 * and an operator on it. With the real kubectl: Ready=False with the reason and the field path, a
 * Warning event, no container, the operator alive; the server still serves the objects, keeps
 * updates that leave the invalid value alone (validation ratcheting, as a real server), refuses one
 * that changes it to another invalid value (422), and a fix turns the condition Ready=True.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '../../src/api/run-identity.ts';
import {
  defaultKinds,
  objectKey,
  ResourceService,
  WalObjectStore,
  WatchHub,
  withVersion,
} from '../../src/apiserver/index.ts';
import { systemClock } from '../../src/util/clock.ts';
import { MemoryObjectStore } from '../helpers/memory-object-store.ts';
import { getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';

/** Seeded jobs: name -> the spec change that makes a valid job invalid under today's rules. */
const INVALID: Record<string, Record<string, unknown>> = {
  'never-fires': { schedule: '0 0 30 2 *' },
  'bad-zone': { schedule: '*/2 * * * * *', timeZone: 'Mars/Olympus' },
};

/**
 * Write the jobs as the REST layer stores them: created (valid) through the resource engine, so
 * uid, creationTimestamp, generation, managedFields, defaults and resourceVersion are the real
 * ones; then the invalid value goes in, as if a later version had tightened the rule.
 */
async function seedInvalidJobs(storeDir: string): Promise<void> {
  const kinds = defaultKinds();
  const sdj = kinds.lookup('ofelia.dev', 'v1alpha1', 'scheduleddockerjobs')!;
  const scratch = new MemoryObjectStore();
  const engine = new ResourceService(scratch, new WatchHub(scratch, kinds, 10), kinds, systemClock);
  await engine.ensureNamespaces(['default']);
  const store = new WalObjectStore({ dir: storeDir });
  await store.open();
  try {
    for (const [name, invalid] of Object.entries(INVALID)) {
      const manifest = JSON.parse(jobManifest(name, { schedule: '@hourly' })) as Record<string, unknown>;
      const created = await engine.create(sdj, 'default', manifest, {
        dryRun: true,
        fieldManager: 'kubectl-client-side-apply',
        fieldValidation: 'Strict',
      });
      const object = structuredClone(created.object);
      Object.assign(object.spec as Record<string, unknown>, invalid);
      await store.put(objectKey(sdj, 'default', name), (rv) => withVersion(object, rv), {
        expectedResourceVersion: 0,
      });
    }
  } finally {
    await store.close();
  }
}

const env = useControllerEnv({
  apiServer: { seedStore: seedInvalidJobs },
  endOperatorsBy: 'stop',
  async beforeOperatorsEnd({ kubectl }) {
    for (const name of Object.keys(INVALID))
      await kubectl(['delete', 'sdj', name, '--ignore-not-found', '--wait=true']);
  },
});
const { kubectl } = env;

type Condition = { type: string; status: string; reason: string; message?: string };

async function readyCondition(name: string): Promise<Condition | undefined> {
  const r = await kubectl(['get', 'sdj', name, '-o', 'jsonpath={.status.conditions}']);
  assert.equal(r.code, 0, r.stderr);
  if (!r.stdout.trim()) return undefined;
  return (JSON.parse(r.stdout) as Condition[]).find((c) => c.type === 'Ready');
}

async function containersOf(name: string, uid: string) {
  return env.docker.docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.job}=${name}`, `${LABELS.jobUid}=${uid}`] },
  });
}

test('the server serves objects stored before a rule was tightened', async () => {
  const list = await kubectl(['get', 'sdj', '-o', 'name']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n').sort(), [
    'scheduleddockerjob.ofelia.dev/bad-zone',
    'scheduleddockerjob.ofelia.dev/never-fires',
  ]);
  const job = await getJob(kubectl, 'never-fires');
  assert.equal(job?.spec.schedule, '0 0 30 2 *');
  assert.equal(job?.spec.timeZone, 'UTC', 'stored with the defaults of the time it was created');
});

test('an invalid job gets Ready=False with the field path and a Warning event, runs nothing, and a fix makes it Ready', async () => {
  const operator = env.startOperator({ identity: 'solo' });
  await operator.waitForLog(/operator started/, { timeoutMs: 30_000 });

  const expected: Record<string, { reason: string; field: string }> = {
    'never-fires': { reason: 'InvalidSchedule', field: 'spec.schedule' },
    'bad-zone': { reason: 'UnknownTimeZone', field: 'spec.timeZone' },
  };
  const uids: Record<string, string> = {};
  for (const [name, want] of Object.entries(expected)) {
    const ready = await waitFor(`Ready=False on ${name}`, async () => {
      const c = await readyCondition(name);
      return c?.status === 'False' && c;
    });
    assert.equal(ready.reason, want.reason);
    assert.match(ready.message ?? '', new RegExp(`^${want.field.replace('.', '\\.')}: `));
    const described = await waitFor(`a Warning event on ${name}`, async () => {
      const r = await kubectl(['describe', 'sdj', name]);
      return new RegExp(`Warning\\s+${want.reason}\\s`).test(r.stdout) && r.stdout;
    });
    assert.match(described, new RegExp(want.field.replace('.', '\\.')));
    const job = await getJob(kubectl, name);
    assert.equal(job?.status?.nextScheduleTime, undefined, 'nothing scheduled');
    uids[name] = job!.metadata.uid;
  }

  // Updates that leave the invalid value alone are kept (the operator's own finalizer is one);
  // one that changes it to another invalid value is refused.
  const labelled = await kubectl(['label', 'sdj', 'never-fires', 'team=ops']);
  assert.equal(labelled.code, 0, labelled.stderr);
  assert.ok((await getJob(kubectl, 'never-fires'))?.metadata.finalizers?.includes('ofelia.dev/cleanup'));
  const stillInvalid = await kubectl(['apply', '-f', '-'], {
    stdin: jobManifest('never-fires', { schedule: '0 0 31 2 *' }),
  });
  assert.notEqual(stillInvalid.code, 0);
  assert.match(
    stillInvalid.stderr,
    /The ScheduledDockerJob "never-fires" is invalid: spec\.schedule: Invalid value/,
  );
  assert.equal((await getJob(kubectl, 'never-fires'))?.spec.schedule, '0 0 30 2 *');

  // The fix: a valid schedule. Ready=True, and it runs.
  const fixed = await kubectl(['apply', '-f', '-'], {
    stdin: jobManifest('never-fires', { schedule: '*/2 * * * * *' }),
  });
  assert.equal(fixed.code, 0, fixed.stderr);
  const ready = await waitFor('Ready=True after the fix', async () => {
    const c = await readyCondition('never-fires');
    return c?.status === 'True' && c;
  });
  assert.equal(ready.reason, 'Scheduled');
  await waitFor(
    'two runs of the fixed job',
    async () => ((await getJob(kubectl, 'never-fires'))?.status?.counters?.succeeded ?? 0) >= 2,
  );

  // bad-zone was reconciled before never-fires was fixed, and its schedule is every 2 seconds:
  // had it been scheduled it would have run by now.
  assert.deepEqual(await containersOf('bad-zone', uids['bad-zone']!), []);
  assert.equal((await readyCondition('bad-zone'))?.status, 'False');
  assert.equal(operator.exited, false, 'the operator is still running');

  const zoneFixed = await kubectl([
    'patch',
    'sdj',
    'bad-zone',
    '--type=merge',
    '-p',
    '{"spec":{"timeZone":"UTC"}}',
  ]);
  assert.equal(zoneFixed.code, 0, zoneFixed.stderr);
  await waitFor('Ready=True on bad-zone', async () => (await readyCondition('bad-zone'))?.status === 'True');
});
