/**
 * The label source's decisions, with fakes for its three edges (documented limits: the container
 * list and the job store are in-memory maps, the event source only delivers what a test emits) and
 * a fake clock: what is created, replaced, deleted or left alone, and that a burst of events makes
 * one pass, never several at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { KubeObject } from '../../../src/import/index.ts';
import type { LabelledContainer } from '../../../src/import/label-reader.ts';
import type { ContainerEventSource } from '../../../src/labels/container-events.ts';
import { LabelSource, ownerFor } from '../../../src/labels/label-source.ts';
import type { LabelObjectStore, LabelStores } from '../../../src/labels/object-store.ts';
import { type ExistingObject, OWNER_LABEL, planSync } from '../../../src/labels/sync-plan.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { DockerLabelMetrics } from '../../../src/metrics/docker-label-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const OWNER = ownerFor('node-a');

function container(
  id: string,
  project: string,
  jobs: Record<string, Record<string, string>>,
): LabelledContainer {
  const labels: Record<string, string> = {
    'ofelia.enabled': 'true',
    'com.docker.compose.project': project,
    'com.docker.compose.service': 'web',
  };
  for (const [job, keys] of Object.entries(jobs)) {
    for (const [k, v] of Object.entries(keys)) labels[`ofelia.job-exec.${job}.${k}`] = v;
  }
  return { id, name: `${project}-web-1`, labels };
}

/** The object as the API server keeps it: a Secret's stringData becomes base64 data. */
function stored(object: KubeObject): ExistingObject {
  const copy = structuredClone(object) as KubeObject & { stringData?: Record<string, string> };
  if (copy.kind === 'Secret' && copy.stringData) {
    copy.data = Object.fromEntries(
      Object.entries(copy.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    delete copy.stringData;
  }
  return copy as unknown as ExistingObject;
}

/** In-memory store: what the API would hold; counts writes. */
class MemoryStore implements LabelObjectStore {
  readonly objects = new Map<string, ExistingObject>();
  writes = 0;
  inFlight = 0;
  maxInFlight = 0;
  async list() {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    return [...this.objects.values()].filter((j) => j.metadata.labels?.[OWNER_LABEL] === OWNER);
  }
  async create(job: KubeObject) {
    if (this.objects.has(job.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
    this.writes++;
    this.objects.set(job.metadata.name, stored(job));
  }
  async replace(job: KubeObject) {
    this.writes++;
    this.objects.set(job.metadata.name, stored(job));
  }
  async delete(name: string) {
    this.writes++;
    this.objects.delete(name);
  }
}

/** One in-memory store per kind the source keeps. */
function memoryStores() {
  return {
    secrets: new MemoryStore(),
    notifiers: new MemoryStore(),
    jobs: new MemoryStore(),
  } satisfies LabelStores;
}

/**
 * A source over `stores` whose container list is `containers()` (read at every pass), with no
 * event stream; `extra` sets or replaces any option.
 */
function quietSource(
  stores: LabelStores,
  containers: () => LabelledContainer[],
  extra: Partial<ConstructorParameters<typeof LabelSource>[0]> = {},
): LabelSource {
  return new LabelSource({
    listContainers: async () => ({ containers: containers(), truncated: false }),
    events: { subscribe: async () => ({ stop() {} }) },
    stores,
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock: new FakeClock(),
    log: silentLogger(),
    ...extra,
  });
}

function setup() {
  const clock = new FakeClock();
  const stores = memoryStores();
  const store = stores.jobs;
  let containers: LabelledContainer[] = [];
  let lists = 0;
  let emit: (() => void) | undefined;
  const events: ContainerEventSource = {
    async subscribe(onChange) {
      emit = () => onChange('id', 'start');
      return { stop() {} };
    },
  };
  const source = new LabelSource({
    listContainers: async () => {
      lists++;
      return { containers, truncated: false };
    },
    events,
    stores,
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock,
    log: silentLogger(),
  });
  return {
    clock,
    store,
    stores,
    source,
    set: (c: LabelledContainer[]) => {
      containers = c;
    },
    emit: () => emit?.(),
    lists: () => lists,
  };
}

const tick = { schedule: '@every 5s', command: 'echo hi' };

test('label source: created, unchanged (no write), replaced, deleted as containers come, stay, change and go', async () => {
  const s = setup();
  s.set([container('c1', 'shop', { tick })]);
  await s.source.start();
  assert.deepEqual([...s.store.objects.keys()], ['shop-web-tick']);
  const job = s.store.objects.get('shop-web-tick')!;
  assert.equal(job.metadata.labels?.['ofelia.dev/imported-from'], 'docker-labels');
  assert.deepEqual((job.spec as { placement: unknown }).placement, { nodeName: 'node-a' });
  const writes = s.store.writes;
  await s.source.resync();
  assert.equal(s.store.writes, writes, 'an unchanged container causes no write');
  s.set([container('c2', 'shop', { tick: { ...tick, command: 'echo changed' } })]);
  await s.source.resync();
  assert.deepEqual(
    (s.store.objects.get('shop-web-tick')!.spec as { exec: { command: string[] } }).exec.command,
    ['echo', 'changed'],
  );
  s.set([]);
  await s.source.resync();
  assert.equal(s.store.objects.size, 0);
  await s.source.stop();
});

test('label source: two Compose projects with the same job name get two jobs; a user job of a wanted name is left alone', async () => {
  const s = setup();
  s.store.objects.set('blog-web-tick', {
    metadata: { name: 'blog-web-tick', labels: {} },
    spec: { schedule: '@daily' },
  });
  s.set([container('c1', 'shop', { tick }), container('c2', 'blog', { tick })]);
  await s.source.start();
  assert.deepEqual([...s.store.objects.keys()].sort(), ['blog-web-tick', 'shop-web-tick']);
  assert.deepEqual(
    s.store.objects.get('blog-web-tick')!.spec,
    { schedule: '@daily' },
    "the user's job is untouched",
  );
  assert.equal(s.source.stats.conflicts, 1);
  s.set([]);
  await s.source.resync();
  assert.deepEqual([...s.store.objects.keys()], ['blog-web-tick'], "a user's job is never deleted");
  await s.source.stop();
});

test('label source: a burst of events is one pass after the coalescing window; never two passes at once', async () => {
  const s = setup();
  s.set([container('c1', 'shop', { tick })]);
  await s.source.start();
  const before = s.lists();
  for (let i = 0; i < 50; i++) s.emit();
  assert.equal(s.lists(), before, 'nothing before the window closes');
  const next = s.source.nextPass();
  s.clock.advance(300);
  await next;
  assert.equal(s.lists(), before + 1);
  // Resyncs asked for while one runs are folded into one more pass.
  const a = s.source.resync();
  void s.source.resync();
  void s.source.resync();
  await a;
  await s.source.nextPass();
  assert.ok(s.lists() <= before + 3);
  assert.equal(s.store.maxInFlight, 1);
  await s.source.stop();
});

test('label source: the periodic resync runs without events', async () => {
  const s = setup();
  await s.source.start();
  const before = s.lists();
  const next = s.source.nextPass();
  s.clock.advance(60_000);
  await next;
  assert.equal(s.lists(), before + 1);
  await s.source.stop();
});

test('planSync: conflict with another owner; objects being deleted are left to finish', () => {
  const job = (name: string) =>
    ({
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'ScheduledDockerJob',
      metadata: { name, namespace: 'default', labels: { [OWNER_LABEL]: OWNER } },
      spec: { schedule: '@daily', exec: { container: 'ab', command: ['x'] } },
    }) as KubeObject;
  const actions = planSync(
    [job('a'), job('b')],
    [
      { metadata: { name: 'a', labels: { [OWNER_LABEL]: 'node-b' } } },
      {
        metadata: { name: 'b', labels: { [OWNER_LABEL]: OWNER }, deletionTimestamp: '2026-01-01T00:00:00Z' },
      },
      {
        metadata: { name: 'c', labels: { [OWNER_LABEL]: OWNER }, deletionTimestamp: '2026-01-01T00:00:00Z' },
      },
    ],
    OWNER,
  );
  assert.deepEqual(
    actions.map((a) => a.kind),
    ['conflict'],
  );
});

test('label source: a failed write is retried after RETRY_MS, not only at the next event', async () => {
  const s = setup();
  let failures = 1;
  const create = s.store.create.bind(s.store);
  s.store.create = async (job) => {
    if (failures-- > 0) throw Object.assign(new Error('API server briefly away'), { code: 503 });
    return create(job);
  };
  s.set([container('c1', 'shop', { tick })]);
  await s.source.start();
  assert.equal(s.store.objects.size, 0);
  const next = s.source.nextPass();
  s.clock.advance(5000);
  await next;
  assert.deepEqual([...s.store.objects.keys()], ['shop-web-tick']);
  await s.source.stop();
});

test('labels: upstream defaults unless a fork-only key is used (one Ofelia reads all the labels)', async () => {
  const plain = setup();
  plain.set([container('c1', 'shop', { tick })]);
  await plain.source.start();
  const user = (store: MemoryStore, name: string) =>
    (store.objects.get(name)!.spec as { exec: { user: string } }).exec.user;
  assert.equal(user(plain.store, 'shop-web-tick'), 'root');
  await plain.source.stop();
  const fork = setup();
  fork.set([
    container('c1', 'shop', { tick }),
    container('c2', 'blog', { tick: { ...tick, 'history-limit': '5' } }),
  ]);
  await fork.source.start();
  assert.equal(user(fork.store, 'shop-web-tick'), 'nobody');
  assert.equal(user(fork.store, 'blog-web-tick'), 'nobody');
  await fork.source.stop();
});

test('label source: metrics count passes, writes by action and untranslated labels', async () => {
  const registry = new Registry();
  const metrics = new DockerLabelMetrics(registry);
  const clock = new FakeClock();
  const stores = memoryStores();
  const store = stores.jobs;
  let containers = [container('c1', 'shop', { tick, bad: { schedule: 'not a schedule', command: 'x' } })];
  const source = quietSource(stores, () => containers, { clock, metrics });
  await source.start();
  containers = [];
  await source.resync();
  await source.stop();
  const text = await registry.metrics();
  assert.match(text, /ofelia_docker_label_passes_total\{result="ok"\} 2/);
  assert.match(text, /ofelia_docker_label_job_writes_total\{action="create"\} 1/);
  assert.match(text, /ofelia_docker_label_job_writes_total\{action="delete"\} 1/);
  assert.match(text, /ofelia_docker_label_issues 0/);
});

test('label source: notification middlewares on labels become JobNotifiers and Secrets of this node, kept in step and removed with their container', async () => {
  const registry = new Registry();
  const metrics = new DockerLabelMetrics(registry);
  const stores = memoryStores();
  const service: LabelledContainer = {
    id: 'svc',
    name: 'ofelia',
    labels: {
      'ofelia.enabled': 'true',
      'ofelia.service': 'true',
      'ofelia.slack-webhook': 'https://hooks.slack.com/services/T/B/GLOBAL',
    },
  };
  let containers = [
    service,
    container('c1', 'shop', {
      tick: { ...tick, 'slack-webhook': 'https://hooks.slack.com/services/T/B/OWN' },
    }),
    container('c2', 'blog', { tick }),
  ];
  const source = quietSource(stores, () => containers, { metrics });
  await source.start();
  const own = stores.notifiers.objects.get('shop-web-tick-slack');
  const global = stores.notifiers.objects.get(`ofelia-slack-${OWNER}`);
  assert.ok(own && global, [...stores.notifiers.objects.keys()].join(', '));
  for (const o of [own, global]) assert.equal(o.metadata.labels?.[OWNER_LABEL], OWNER);
  // The job selects its own notifier by label; the global one selects this node's jobs only.
  const job = stores.jobs.objects.get('shop-web-tick');
  assert.equal(job?.metadata.labels?.['ofelia.dev/notifier-slack'], 'shop-web-tick-slack');
  const selector = (global.spec as { jobSelector: { matchExpressions: unknown[] } }).jobSelector;
  assert.deepEqual(selector.matchExpressions[1], { key: OWNER_LABEL, operator: 'In', values: [OWNER] });
  // The webhook URLs are in this node's Secrets (as the API server keeps them: base64 data).
  const urls = [...stores.secrets.objects.values()].map((x) => {
    assert.equal(x.metadata.labels?.[OWNER_LABEL], OWNER);
    return Object.values(x.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'));
  });
  assert.deepEqual(urls.flat().sort(), [
    'https://hooks.slack.com/services/T/B/GLOBAL',
    'https://hooks.slack.com/services/T/B/OWN',
  ]);
  const text = await registry.metrics();
  assert.match(text, /ofelia_docker_label_issues 0/);
  assert.match(text, /ofelia_docker_label_notifier_writes_total\{kind="JobNotifier",action="create"\} 2/);
  assert.match(text, /ofelia_docker_label_notifier_writes_total\{kind="Secret",action="create"\} 2/);

  const writes = () => stores.secrets.writes + stores.notifiers.writes + stores.jobs.writes;
  const before = writes();
  await source.resync();
  assert.equal(writes(), before, 'unchanged labels cause no write (Secret data compared decoded)');

  containers = [
    service,
    container('c1', 'shop', {
      tick: { ...tick, 'slack-webhook': 'https://hooks.slack.com/services/T/B/NEW' },
    }),
    container('c2', 'blog', { tick }),
  ];
  await source.resync();
  const ownSecret = [...stores.secrets.objects.values()].find((x) =>
    Object.values(x.data ?? {}).some((v) => Buffer.from(v, 'base64').toString('utf8').endsWith('/NEW')),
  );
  assert.ok(ownSecret, 'the changed URL is in the Secret');
  assert.equal(writes(), before + 1, 'one Secret replaced, nothing else');

  // The order of deletes: jobs, then notifiers, then the Secrets they read.
  const deleted: string[] = [];
  for (const [kind, store] of Object.entries(stores)) {
    const del = store.delete.bind(store);
    store.delete = async (name: string) => {
      deleted.push(kind);
      return del(name);
    };
  }
  containers = [service, container('c2', 'blog', { tick })];
  await source.resync();
  assert.equal(stores.notifiers.objects.has('shop-web-tick-slack'), false);
  assert.equal(stores.jobs.objects.has('shop-web-tick'), false);
  assert.ok(
    stores.notifiers.objects.has(`ofelia-slack-${OWNER}`),
    'the global notifier stays with its container',
  );
  assert.deepEqual(deleted, ['jobs', 'notifiers', 'secrets']);
  await source.stop();
});

test("label source: a Secret the user must fill in (env-file) is never written; a user's notifier of a wanted name is left alone", async () => {
  const stores = memoryStores();
  stores.notifiers.objects.set('shop-web-tick-slack', {
    metadata: { name: 'shop-web-tick-slack', labels: {} },
    spec: { type: 'slack', address: 'https://example.test/mine' },
  });
  const containers = [
    container('c1', 'shop', {
      tick: {
        ...tick,
        'env-file': '/etc/ofelia/tick.env',
        'slack-webhook': 'https://hooks.slack.com/services/T/B/OWN',
      },
    }),
  ];
  const source = quietSource(stores, () => containers);
  await source.start();
  await source.stop();
  assert.deepEqual(
    (stores.notifiers.objects.get('shop-web-tick-slack')!.spec as { address: string }).address,
    'https://example.test/mine',
  );
  assert.equal(source.stats.conflicts, 1);
  const secretNames = [...stores.secrets.objects.keys()];
  assert.ok(!secretNames.some((n) => n.includes('env-file')), secretNames.join(', '));
  assert.ok(stores.jobs.objects.has('shop-web-tick'));
});

test('label source: a name conflict is warned about once, not at every pass', async () => {
  const stores = memoryStores();
  stores.jobs.objects.set('shop-web-tick', { metadata: { name: 'shop-web-tick', labels: {} }, spec: {} });
  const warnings: string[] = [];
  const log = silentLogger();
  (log as unknown as { warn: (f: unknown, m: string) => void }).warn = (_f, m) => warnings.push(m);
  const source = quietSource(stores, () => [container('c1', 'shop', { tick })], { log });
  await source.start();
  await source.resync();
  await source.resync();
  await source.stop();
  assert.equal(source.stats.conflicts, 3, 'every pass counts it');
  assert.deepEqual(warnings, ['docker-label object name taken'], 'one warning');
});

test('label source: a kind it may not list (403) is skipped with one warning; the jobs go on and no retry storm follows', async () => {
  const stores = memoryStores();
  const forbidden = () => Promise.reject(Object.assign(new Error('secrets is forbidden'), { code: 403 }));
  stores.secrets.list = forbidden;
  stores.notifiers.list = forbidden;
  const warnings: string[] = [];
  const log = silentLogger();
  (log as unknown as { warn: (f: unknown, m: string) => void }).warn = (_f, m) => warnings.push(m);
  const clock = new FakeClock();
  const containers = [
    container('c1', 'shop', { tick: { ...tick, 'slack-webhook': 'https://hooks.slack.com/services/T/B/X' } }),
  ];
  const source = quietSource(stores, () => containers, { log, clock });
  await source.start();
  await source.resync();
  assert.ok(stores.jobs.objects.has('shop-web-tick'), 'the job is kept');
  assert.equal(warnings.filter((w) => w.includes('may not be listed')).length, 2, 'once per kind');
  assert.equal(clock.pending, 1, 'only the resync period is armed, no retry');
  await source.stop();
});
