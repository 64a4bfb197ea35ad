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
import type { LabelJobStore } from '../../../src/labels/job-store.ts';
import { LabelSource, ownerFor } from '../../../src/labels/label-source.ts';
import { type ExistingJob, OWNER_LABEL, planSync } from '../../../src/labels/sync-plan.ts';
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

/** In-memory store: what the API would hold; counts writes. */
class MemoryStore implements LabelJobStore {
  readonly jobs = new Map<string, ExistingJob>();
  writes = 0;
  inFlight = 0;
  maxInFlight = 0;
  async list() {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    return [...this.jobs.values()].filter((j) => j.metadata.labels?.[OWNER_LABEL] === OWNER);
  }
  async get(name: string) {
    return this.jobs.get(name);
  }
  async create(job: KubeObject) {
    if (this.jobs.has(job.metadata.name)) throw Object.assign(new Error('exists'), { code: 409 });
    this.writes++;
    this.jobs.set(job.metadata.name, structuredClone(job) as unknown as ExistingJob);
  }
  async replace(job: KubeObject) {
    this.writes++;
    this.jobs.set(job.metadata.name, structuredClone(job) as unknown as ExistingJob);
  }
  async delete(name: string) {
    this.writes++;
    this.jobs.delete(name);
  }
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStore();
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
    store,
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock,
    log: silentLogger(),
  });
  return {
    clock,
    store,
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
  assert.deepEqual([...s.store.jobs.keys()], ['shop-web-tick']);
  const job = s.store.jobs.get('shop-web-tick')!;
  assert.equal(job.metadata.labels?.['ofelia.dev/imported-from'], 'docker-labels');
  assert.deepEqual((job.spec as { placement: unknown }).placement, { nodeName: 'node-a' });
  const writes = s.store.writes;
  await s.source.resync();
  assert.equal(s.store.writes, writes, 'an unchanged container causes no write');
  s.set([container('c2', 'shop', { tick: { ...tick, command: 'echo changed' } })]);
  await s.source.resync();
  assert.deepEqual(
    (s.store.jobs.get('shop-web-tick')!.spec as { exec: { command: string[] } }).exec.command,
    ['echo', 'changed'],
  );
  s.set([]);
  await s.source.resync();
  assert.equal(s.store.jobs.size, 0);
  await s.source.stop();
});

test('label source: two Compose projects with the same job name get two jobs; a user job of a wanted name is left alone', async () => {
  const s = setup();
  s.store.jobs.set('blog-web-tick', {
    metadata: { name: 'blog-web-tick', labels: {} },
    spec: { schedule: '@daily' },
  });
  s.set([container('c1', 'shop', { tick }), container('c2', 'blog', { tick })]);
  await s.source.start();
  assert.deepEqual([...s.store.jobs.keys()].sort(), ['blog-web-tick', 'shop-web-tick']);
  assert.deepEqual(
    s.store.jobs.get('blog-web-tick')!.spec,
    { schedule: '@daily' },
    "the user's job is untouched",
  );
  assert.equal(s.source.stats.conflicts, 1);
  s.set([]);
  await s.source.resync();
  assert.deepEqual([...s.store.jobs.keys()], ['blog-web-tick'], "a user's job is never deleted");
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
  assert.equal(s.store.jobs.size, 0);
  const next = s.source.nextPass();
  s.clock.advance(5000);
  await next;
  assert.deepEqual([...s.store.jobs.keys()], ['shop-web-tick']);
  await s.source.stop();
});

test('labels: upstream defaults unless a fork-only key is used (one Ofelia reads all the labels)', async () => {
  const plain = setup();
  plain.set([container('c1', 'shop', { tick })]);
  await plain.source.start();
  const user = (store: MemoryStore, name: string) =>
    (store.jobs.get(name)!.spec as { exec: { user: string } }).exec.user;
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
  const store = new MemoryStore();
  let containers = [container('c1', 'shop', { tick, bad: { schedule: 'not a schedule', command: 'x' } })];
  const source = new LabelSource({
    listContainers: async () => ({ containers, truncated: false }),
    events: { subscribe: async () => ({ stop() {} }) },
    store,
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock,
    log: silentLogger(),
    metrics,
  });
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

test('label source: a notification middleware on labels is counted as not applied live; the job carries its selector label', async () => {
  const registry = new Registry();
  const metrics = new DockerLabelMetrics(registry);
  const store = new MemoryStore();
  const containers = [
    container('c1', 'shop', { tick: { ...tick, 'slack-webhook': 'https://hooks.slack.com/services/T/B/X' } }),
  ];
  const source = new LabelSource({
    listContainers: async () => ({ containers, truncated: false }),
    events: { subscribe: async () => ({ stop() {} }) },
    store,
    namespace: 'default',
    nodeName: 'node-a',
    resyncMs: 60_000,
    clock: new FakeClock(),
    log: silentLogger(),
    metrics,
  });
  await source.start();
  await source.stop();
  const job = store.jobs.get('shop-web-tick');
  // the JobNotifier `import ofelia --docker` writes selects the job by this label
  assert.equal(job?.metadata.labels?.['ofelia.dev/notifier-slack'], 'shop-web-tick-slack');
  // the withheld webhook URL (a needs-secret issue) and the notifier not applied live
  assert.match(await registry.metrics(), /ofelia_docker_label_issues 2/);
});
