/**
 * @kubernetes/client-node 1.4 with the kubeconfig the server wrote: CRUD of ScheduledDockerJobs
 * through CustomObjectsApi, status merge patches, server-side apply, Events through CoreV1Api,
 * Leases through CoordinationV1Api, and the error shapes client code checks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
let co: CustomObjectsApi;
let core: CoreV1Api;
let coord: CoordinationV1Api;

const G = { group: 'ofelia.dev', version: 'v1alpha1', plural: 'scheduleddockerjobs' };

before(async () => {
  api = await startTestApiServer();
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  co = kc.makeApiClient(CustomObjectsApi);
  core = kc.makeApiClient(CoreV1Api);
  coord = kc.makeApiClient(CoordinationV1Api);
});
after(async () => {
  await api?.close();
});

type Job = {
  metadata: { name: string; resourceVersion: string; generation: number; uid: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const body = (name: string) => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name, labels: { app: 'crud' } },
  spec: { schedule: '@hourly', run: { image: 'local/busybox:test' } },
});

async function apiError(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiException, String(e));
    const status = JSON.parse(e.body as string) as {
      kind: string;
      reason: string;
      message: string;
      code: number;
    };
    assert.equal(status.kind, 'Status');
    assert.equal(status.code, e.code);
    return { code: e.code, reason: status.reason, message: status.message };
  }
  assert.fail('expected an ApiException');
}

test('create, get, list, replace, delete through CustomObjectsApi', async () => {
  const created = (await co.createNamespacedCustomObject({
    ...G,
    namespace: 'default',
    body: body('crud1'),
  })) as Job;
  assert.equal(created.metadata.generation, 1);
  const got = (await co.getNamespacedCustomObject({ ...G, namespace: 'default', name: 'crud1' })) as Job;
  assert.equal(got.metadata.uid, created.metadata.uid);
  const list = (await co.listNamespacedCustomObject({
    ...G,
    namespace: 'default',
    labelSelector: 'app=crud',
  })) as {
    kind: string;
    items: Job[];
    metadata: { resourceVersion: string };
  };
  assert.equal(list.kind, 'ScheduledDockerJobList');
  assert.deepEqual(
    list.items.map((i) => i.metadata.name),
    ['crud1'],
  );
  const changed = structuredClone(got);
  changed.spec.schedule = '@daily';
  const replaced = (await co.replaceNamespacedCustomObject({
    ...G,
    namespace: 'default',
    name: 'crud1',
    body: changed,
  })) as Job;
  assert.equal(replaced.metadata.generation, 2);
  // Writing the old version again is a conflict.
  const stale = await apiError(
    co.replaceNamespacedCustomObject({ ...G, namespace: 'default', name: 'crud1', body: changed }),
  );
  assert.equal(stale.code, 409);
  assert.equal(stale.reason, 'Conflict');
  await co.deleteNamespacedCustomObject({ ...G, namespace: 'default', name: 'crud1' });
  const gone = await apiError(co.getNamespacedCustomObject({ ...G, namespace: 'default', name: 'crud1' }));
  assert.equal(gone.code, 404);
  assert.equal(gone.message, 'scheduleddockerjobs.ofelia.dev "crud1" not found');
});

test('status merge patch through the status subresource changes only status', async () => {
  await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('crud2') });
  const patched = (await co.patchNamespacedCustomObjectStatus(
    {
      ...G,
      namespace: 'default',
      name: 'crud2',
      body: { status: { lastResult: 'Succeeded', observedGeneration: 1 }, spec: { suspend: true } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as Job;
  assert.deepEqual(patched.status, { lastResult: 'Succeeded', observedGeneration: 1 });
  assert.equal(patched.spec.suspend, false);
  const main = (await co.patchNamespacedCustomObject(
    {
      ...G,
      namespace: 'default',
      name: 'crud2',
      body: { spec: { suspend: true }, status: { lastResult: 'Failed' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as Job;
  assert.equal(main.spec.suspend, true);
  assert.equal(main.status?.lastResult, 'Succeeded');
  assert.equal(main.metadata.generation, 2);
});

test('JSON patch is the client default; server-side apply needs a field manager', async () => {
  await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('crud3') });
  const jp = (await co.patchNamespacedCustomObject({
    ...G,
    namespace: 'default',
    name: 'crud3',
    body: [{ op: 'replace', path: '/spec/schedule', value: '@weekly' }],
  })) as Job;
  assert.equal(jp.spec.schedule, '@weekly');
  const applied = (await co.patchNamespacedCustomObject(
    {
      ...G,
      namespace: 'default',
      name: 'crud4',
      body: body('crud4'),
      fieldManager: 'controller',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  )) as Job & { metadata: { managedFields: { manager: string; operation: string }[] } };
  assert.equal(applied.metadata.name, 'crud4');
  assert.deepEqual(
    applied.metadata.managedFields.map((m) => `${m.manager}/${m.operation}`),
    ['controller/Apply'],
  );
  const noManager = await apiError(
    co.patchNamespacedCustomObject(
      { ...G, namespace: 'default', name: 'crud4', body: body('crud4') },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    ),
  );
  assert.equal(noManager.code, 400);
  const smp = await apiError(
    co.patchNamespacedCustomObject(
      { ...G, namespace: 'default', name: 'crud4', body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    ),
  );
  assert.equal(smp.code, 415);
});

test('invalid objects are 422 with causes', async () => {
  const bad = body('crud5');
  bad.spec.schedule = '61 * * * *';
  try {
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: bad });
    assert.fail('expected 422');
  } catch (e) {
    assert.ok(e instanceof ApiException);
    assert.equal(e.code, 422);
    const status = JSON.parse(e.body as string) as {
      reason: string;
      details: { kind: string; causes: { field: string }[] };
    };
    assert.equal(status.reason, 'Invalid');
    assert.equal(status.details.kind, 'ScheduledDockerJob');
    assert.equal(status.details.causes[0]!.field, 'spec.schedule');
  }
});

test('Events through CoreV1Api, found by involvedObject field selectors', async () => {
  const job = (await co.createNamespacedCustomObject({
    ...G,
    namespace: 'default',
    body: body('crud6'),
  })) as Job;
  const now = new Date();
  await core.createNamespacedEvent({
    namespace: 'default',
    body: {
      metadata: { name: 'crud6.run1' },
      involvedObject: {
        apiVersion: 'ofelia.dev/v1alpha1',
        kind: 'ScheduledDockerJob',
        name: 'crud6',
        namespace: 'default',
        uid: job.metadata.uid,
      },
      reason: 'RunSucceeded',
      message: 'run crud6-1 succeeded',
      type: 'Normal',
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'ofelia-operator' },
    },
  });
  const found = await core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.name=crud6,involvedObject.uid=${job.metadata.uid}`,
  });
  assert.deepEqual(
    found.items.map((e) => e.reason),
    ['RunSucceeded'],
  );
  assert.ok(found.items[0]!.lastTimestamp instanceof Date);
  const none = await core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: 'involvedObject.name=other',
  });
  assert.equal(none.items.length, 0);
});

test('Leases through CoordinationV1Api: create, update with the current version, conflict on a stale one', async () => {
  const t0 = new Date();
  const lease = await coord.createNamespacedLease({
    namespace: 'ofelia-system',
    body: {
      metadata: { name: 'ofelia-operator' },
      spec: {
        holderIdentity: 'replica-a',
        leaseDurationSeconds: 15,
        acquireTime: t0,
        renewTime: t0,
        leaseTransitions: 0,
      },
    },
  });
  assert.equal(lease.spec?.holderIdentity, 'replica-a');
  lease.spec!.renewTime = new Date(t0.getTime() + 2000);
  const renewed = await coord.replaceNamespacedLease({
    namespace: 'ofelia-system',
    name: 'ofelia-operator',
    body: lease,
  });
  assert.notEqual(renewed.metadata?.resourceVersion, lease.metadata?.resourceVersion);
  const stale = await apiError(
    coord.replaceNamespacedLease({ namespace: 'ofelia-system', name: 'ofelia-operator', body: lease }),
  );
  assert.equal(stale.code, 409);
  const read = await coord.readNamespacedLease({ namespace: 'ofelia-system', name: 'ofelia-operator' });
  // MicroTime: client-node serialises a Date and reads back the string as sent.
  assert.equal(new Date(String(read.spec?.renewTime)).getTime(), t0.getTime() + 2000);
});

test('Secrets and ConfigMaps through CoreV1Api (stringData is folded into data)', async () => {
  await core.createNamespacedSecret({
    namespace: 'default',
    body: { metadata: { name: 'creds' }, stringData: { password: 'hunter2' } },
  });
  const s = await core.readNamespacedSecret({ namespace: 'default', name: 'creds' });
  assert.equal(Buffer.from(s.data!.password!, 'base64').toString(), 'hunter2');
  assert.equal(s.type, 'Opaque');
  assert.equal(s.stringData, undefined);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'cfg' }, data: { a: '1' } },
  });
  const cm = await core.readNamespacedConfigMap({ namespace: 'default', name: 'cfg' });
  assert.deepEqual(cm.data, { a: '1' });
});
