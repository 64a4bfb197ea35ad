/**
 * Concurrent writes to one object through @kubernetes/client-node against the real embedded
 * server (WAL store, group commit): patches without a resourceVersion precondition never fail with
 * 409 (the server re-reads and re-applies them, as a real API server's GuaranteedUpdate does) and
 * none is lost; a write that carries a stale resourceVersion is still a 409 Conflict.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;
let co: CustomObjectsApi;

const G = { group: 'ofelia.dev', version: 'v1alpha1', plural: 'scheduleddockerjobs', namespace: 'default' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Job = {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: Record<string, unknown> & {
    lastRun?: Record<string, unknown>;
    counters?: Record<string, unknown>;
  };
};

before(async () => {
  api = await startTestApiServer();
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  co = kc.makeApiClient(CustomObjectsApi);
});
after(async () => {
  await api?.close();
});

const T = '2026-01-01T00:00:00Z';

/** Twenty status patches, each setting a different field (lastRun exists first: it has required fields). */
const STATUS_PATCHES: Record<string, unknown>[] = [
  { counters: { succeeded: 1 } },
  { counters: { failed: 2 } },
  { counters: { missed: 3 } },
  { counters: { skipped: 4 } },
  { observedGeneration: 1 },
  { activeCount: 0 },
  { lastScheduleTime: T },
  { lastSuccessfulTime: T },
  { nextScheduleTime: T },
  { lastResult: 'Succeeded' },
  { lastManualTrigger: 'now-1' },
  { lastRun: { exitCode: 0 } },
  { lastRun: { reason: 'Completed' } },
  { lastRun: { message: 'done' } },
  { lastRun: { logTail: 'hello\n' } },
  { lastRun: { containerId: 'abc123' } },
  { lastRun: { startTime: T } },
  { lastRun: { finishTime: T } },
  { lastRun: { attempt: 1 } },
  { lastRun: { trigger: 'Schedule' } },
];

test('20 concurrent status merge patches and 20 label merge patches on one object all succeed, none lost', async () => {
  await co.createNamespacedCustomObject({
    ...G,
    body: {
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'ScheduledDockerJob',
      metadata: { name: 'hot' },
      spec: { schedule: '@hourly', run: { image: 'local/busybox:test' } },
    },
  });
  await co.patchNamespacedCustomObjectStatus(
    {
      ...G,
      name: 'hot',
      body: { status: { lastRun: { name: 'hot-1', scheduledTime: T, result: 'Succeeded' } } },
    },
    merge,
  );
  const writes = [
    ...STATUS_PATCHES.map((status) =>
      co.patchNamespacedCustomObjectStatus({ ...G, name: 'hot', body: { status } }, merge),
    ),
    ...Array.from({ length: 20 }, (_, i) =>
      co.patchNamespacedCustomObject(
        { ...G, name: 'hot', body: { metadata: { labels: { [`l${i}`]: `v${i}` } } } },
        merge,
      ),
    ),
  ];
  const outcomes = await Promise.allSettled(writes);
  const failed = outcomes.flatMap((o, i) =>
    o.status === 'rejected'
      ? [
          `#${i}: ${o.reason instanceof ApiException ? `${o.reason.code} ${String(o.reason.body)}` : String(o.reason)}`,
        ]
      : [],
  );
  assert.deepEqual(failed, [], 'every patch succeeds');

  const job = (await co.getNamespacedCustomObject({ ...G, name: 'hot' })) as Job;
  for (let i = 0; i < 20; i++) assert.equal(job.metadata.labels?.[`l${i}`], `v${i}`, `label l${i}`);
  const expected = structuredClone(STATUS_PATCHES).reduce<Record<string, unknown>>(
    (acc, p) => {
      for (const [k, v] of Object.entries(p))
        acc[k] = typeof v === 'object' && v ? { ...(acc[k] as object), ...v } : v;
      return acc;
    },
    { lastRun: { name: 'hot-1', scheduledTime: T, result: 'Succeeded' } },
  );
  assert.deepEqual(job.status, expected);
});

test('a PUT with a stale resourceVersion is 409 Conflict; a patch naming a stale one too', async () => {
  const current = (await co.getNamespacedCustomObject({ ...G, name: 'hot' })) as Job;
  await co.patchNamespacedCustomObject(
    { ...G, name: 'hot', body: { metadata: { labels: { bump: '1' } } } },
    merge,
  );
  const stale = structuredClone(current);
  stale.spec.schedule = '@daily';
  for (const write of [
    () => co.replaceNamespacedCustomObject({ ...G, name: 'hot', body: stale }),
    () =>
      co.patchNamespacedCustomObject(
        {
          ...G,
          name: 'hot',
          body: { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { suspend: true } },
        },
        merge,
      ),
  ]) {
    try {
      await write();
      assert.fail('expected a 409');
    } catch (e) {
      assert.ok(e instanceof ApiException, String(e));
      assert.equal(e.code, 409);
      const status = JSON.parse(String(e.body)) as { reason: string; message: string };
      assert.equal(status.reason, 'Conflict');
      assert.equal(
        status.message,
        'Operation cannot be fulfilled on scheduleddockerjobs.ofelia.dev "hot": the object has been modified; please apply your changes to the latest version and try again',
      );
    }
  }
  const after = (await co.getNamespacedCustomObject({ ...G, name: 'hot' })) as Job;
  assert.equal(after.spec.schedule, '@hourly');
  assert.equal(after.spec.suspend, false);
});
