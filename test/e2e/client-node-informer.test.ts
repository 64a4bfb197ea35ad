/**
 * client-node's informer (list + watch) against the embedded API server: it sees adds, updates and
 * deletes; after a 410 (history too short for its resourceVersion) it re-lists and carries on;
 * after the server restarts on the same port and data dir it watches again (restarted on error, as
 * the controller does) without losing a change.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CustomObjectsApi,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
} from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

const G = { group: 'ofelia.dev', version: 'v1alpha1', plural: 'scheduleddockerjobs' };
const PATH = '/apis/ofelia.dev/v1alpha1/namespaces/default/scheduleddockerjobs';

type Job = KubernetesObject & { spec: Record<string, unknown> };

const body = (name: string, schedule = '@hourly') => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name },
  spec: { schedule, run: { image: 'local/busybox:test' } },
});

/** Records informer events as "verb:name:schedule" and lets a test wait for one. */
class Recorder {
  readonly events: string[] = [];
  private waiters: (() => void)[] = [];
  connects = 0;
  errors = 0;
  lists = 0;

  attach(informer: Informer<Job>): void {
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (o) => this.push(`${verb}:${o.metadata?.name}:${o.spec?.schedule}`));
    }
    informer.on('connect', () => {
      this.connects++;
      this.notify();
    });
  }

  push(e: string): void {
    this.events.push(e);
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  async until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; events: ${this.events.join(', ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async saw(event: string): Promise<void> {
    await this.until(() => this.events.includes(event), event);
  }
}

interface InformerUnderTest {
  informer: Informer<Job> & ObjectCache<Job>;
  co: CustomObjectsApi;
  /** Stop without the restart-on-error (stopping aborts the watch, which reports an error). */
  pause: () => Promise<void>;
  resume: () => Promise<void>;
  stop: () => Promise<void>;
}

function informerFor(api: TestApiServer, rec: Recorder): InformerUnderTest {
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const co = kc.makeApiClient(CustomObjectsApi);
  const informer = makeInformer<Job>(kc, PATH, () => {
    rec.lists++;
    return co.listNamespacedCustomObject({ ...G, namespace: 'default' }) as never;
  });
  rec.attach(informer);
  // An error other than 410 stops client-node's informer: restart it after a pause, as the controller does.
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  informer.on('error', () => {
    rec.errors++;
    if (stopped) return;
    retry = setTimeout(() => {
      if (!stopped) void informer.start().catch(() => undefined);
    }, 300);
  });
  return {
    informer,
    co,
    pause: async () => {
      stopped = true;
      clearTimeout(retry);
      await informer.stop();
    },
    resume: async () => {
      stopped = false;
      await informer.start();
    },
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await informer.stop();
    },
  };
}

test('an informer sees add, update and delete', async () => {
  const api = await startTestApiServer();
  const rec = new Recorder();
  const { informer, co, stop } = informerFor(api, rec);
  try {
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('before') });
    await informer.start();
    await rec.saw('add:before:@hourly');
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('inf1') });
    await rec.saw('add:inf1:@hourly');
    await co.patchNamespacedCustomObject({
      ...G,
      namespace: 'default',
      name: 'inf1',
      body: [{ op: 'replace', path: '/spec/schedule', value: '@daily' }],
    });
    await rec.saw('update:inf1:@daily');
    await co.deleteNamespacedCustomObject({ ...G, namespace: 'default', name: 'inf1' });
    await rec.saw('delete:inf1:@daily');
    assert.equal(informer.list('default').length, 1);
  } finally {
    await stop();
    await api.close();
  }
});

test('an informer whose resourceVersion fell out of the history gets a 410, re-lists and catches up', async () => {
  // Two changes of history: an informer that missed more than that must re-list.
  const api = await startTestApiServer({ watchHistory: 2 });
  const rec = new Recorder();
  const { informer, co, stop, pause, resume } = informerFor(api, rec);
  try {
    await informer.start();
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('h1') });
    await rec.saw('add:h1:@hourly');
    assert.equal(rec.lists, 1);
    // Pause the informer (it keeps its resourceVersion) while five changes go by.
    await pause();
    for (const n of ['h2', 'h3', 'h4'])
      await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body(n) });
    await co.deleteNamespacedCustomObject({ ...G, namespace: 'default', name: 'h1' });
    await co.patchNamespacedCustomObject({
      ...G,
      namespace: 'default',
      name: 'h2',
      body: [{ op: 'replace', path: '/spec/schedule', value: '@weekly' }],
    });
    // Its watch from the old version is answered 410; it re-lists (once) and the cache matches the server.
    await resume();
    await rec.until(
      () =>
        informer
          .list('default')
          .map((o) => `${o.metadata?.name}:${o.spec.schedule}`)
          .sort()
          .join(',') === 'h2:@weekly,h3:@hourly,h4:@hourly',
      'the cache to match the server after a re-list',
    );
    assert.equal(rec.lists, 2, 'exactly one re-list after the 410');
    assert.ok(rec.events.includes('delete:h1:@hourly'), rec.events.join(', '));
    // And it keeps watching from the re-listed version (never 410 for the version a list returned).
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('h5') });
    await rec.saw('add:h5:@hourly');
    assert.equal(rec.lists, 2);
  } finally {
    await stop();
    await api.close();
  }
});

test('an informer watches again after the server restarts on the same port and data dir', async () => {
  const api = await startTestApiServer();
  const rec = new Recorder();
  const { informer, co, stop } = informerFor(api, rec);
  try {
    await informer.start();
    await co.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('r1') });
    await rec.saw('add:r1:@hourly');
    await api.restart();
    const kc = new KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const after = kc.makeApiClient(CustomObjectsApi);
    // The object written before the restart survived it ...
    const r1 = (await after.getNamespacedCustomObject({ ...G, namespace: 'default', name: 'r1' })) as Job;
    assert.equal(r1.spec.schedule, '@hourly');
    // ... and the informer follows changes made after it.
    await after.createNamespacedCustomObject({ ...G, namespace: 'default', body: body('r2') });
    await rec.saw('add:r2:@hourly');
    await after.patchNamespacedCustomObject({
      ...G,
      namespace: 'default',
      name: 'r1',
      body: [{ op: 'replace', path: '/spec/schedule', value: '@daily' }],
    });
    await rec.saw('update:r1:@daily');
  } finally {
    await stop();
    await api.close();
  }
});
