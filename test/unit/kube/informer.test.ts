import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  Informer,
  KubernetesListObject,
  KubernetesObject,
  ListPromise,
  ObjectCache,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { RestartingInformer } from '../../../src/kube/informer.ts';
import { silentLogger } from '../../../src/log/logger.ts';
import { ControllerMetrics } from '../../../src/metrics/controller-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { settle } from '../../helpers/wait.ts';

type Verb = 'add' | 'update' | 'delete' | 'change' | 'error' | 'connect';
/** Any of client-node's callbacks (object or error): they are called with what the verb carries. */
type Callback = (arg: never) => void;

/**
 * A FAKE of client-node's informer (what `makeInformer` returns), for the restart logic only; it
 * talks to no server. It behaves as client-node's ListWatch does at the edges this wrapper sees:
 * - `start()` lists (through the list function it was made with) only while it has no resource
 *   version, calls `add` per listed item, then opens the watch; it resolves once the watch is open
 *   (client-node's resolves once the watch request answered), or after reporting a failure;
 * - every failure (the list, opening the watch, a watch that breaks later) is reported through the
 *   `error` callbacks, after which it stays stopped until `start()` is called again;
 * - `stop()` aborts the watch, which client-node also reports as an error.
 * The test scripts the outcome of each watch attempt with `watchOutcomes` (default: it opens).
 */
class FakeInformer<T extends KubernetesObject> implements Informer<T>, ObjectCache<T> {
  starts = 0;
  /** Outcome of the next watch attempts, in order: open, or fail with the error. */
  readonly watchOutcomes: Array<'open' | Error> = [];
  private resourceVersion = '';
  private watching = false;
  private readonly objects = new Map<string, T>();
  private readonly callbacks = new Map<string, Callback[]>();

  constructor(private readonly listFn: ListPromise<T>) {}

  on(verb: Verb, cb: Callback): void {
    this.callbacks.set(verb, [...(this.callbacks.get(verb) ?? []), cb]);
  }

  off(verb: Verb, cb: Callback): void {
    this.callbacks.set(
      verb,
      (this.callbacks.get(verb) ?? []).filter((c) => c !== cb),
    );
  }

  async start(): Promise<void> {
    this.starts++;
    this.emit('connect');
    if (!this.resourceVersion) {
      let list: KubernetesListObject<T>;
      try {
        list = await this.listFn();
      } catch (error) {
        this.emit('error', error);
        return;
      }
      for (const item of list.items) {
        this.objects.set(item.metadata?.name ?? '', item);
        this.emit('add', item);
      }
      this.resourceVersion = list.metadata?.resourceVersion ?? '1';
    }
    const outcome = this.watchOutcomes.shift() ?? 'open';
    if (outcome instanceof Error) {
      this.emit('error', outcome);
      return;
    }
    this.watching = true;
  }

  async stop(): Promise<void> {
    if (this.watching) this.breakWatch(new Error('aborted'));
  }

  get(name: string): T | undefined {
    return this.objects.get(name);
  }

  list(): ReadonlyArray<T> {
    return [...this.objects.values()];
  }

  get isWatching(): boolean {
    return this.watching;
  }

  /** The open watch fails (a reset connection, a 500). */
  breakWatch(error: Error): void {
    assert.ok(this.watching, 'a watch is open');
    this.watching = false;
    this.emit('error', error);
  }

  /** A watch event for `obj`. */
  event(verb: 'add' | 'update' | 'delete', obj: T): void {
    assert.ok(this.watching, 'events come from an open watch');
    if (verb === 'delete') this.objects.delete(obj.metadata?.name ?? '');
    else this.objects.set(obj.metadata?.name ?? '', obj);
    this.emit(verb, obj);
  }

  private emit(verb: Verb, arg?: unknown): void {
    for (const cb of this.callbacks.get(verb) ?? []) (cb as (arg: unknown) => void)(arg);
  }
}

const job = (name: string): KubernetesObject => ({ metadata: { name, namespace: 'default' } });

/** The list answers in order: a list of the given objects, or the error. */
function setup(listAnswers: Array<KubernetesObject[] | Error>, backoff = { initial: 500, max: 4000 }) {
  const clock = new FakeClock();
  const registry = new Registry();
  const metrics = new ControllerMetrics(registry);
  let fake: FakeInformer<KubernetesObject> | undefined;
  let lists = 0;
  const informer = new RestartingInformer<KubernetesObject>({
    resource: 'scheduleddockerjobs',
    path: '/apis/ofelia.dev/v1alpha1/scheduleddockerjobs',
    list: async () => {
      const answer = listAnswers[Math.min(lists++, listAnswers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { items: answer ?? [], metadata: { resourceVersion: String(lists) } };
    },
    clock,
    logger: silentLogger(),
    metrics,
    initialBackoffMs: backoff.initial,
    maxBackoffMs: backoff.max,
    informerFactory: (_path, list) => {
      fake = new FakeInformer(list);
      return fake;
    },
  });
  assert.ok(fake);
  const restarts = async () =>
    (await registry.getSingleMetric('ofelia_informer_restarts_total')?.get())?.values[0]?.value ?? 0;
  return { clock, informer, fake, restarts, lists: () => lists };
}

test('RestartingInformer: synced flips once the first list succeeds; waitForSync resolves then', async () => {
  const { informer, fake } = setup([[job('a'), job('b')]]);
  assert.equal(informer.synced, false);
  assert.equal(informer.healthy, false);
  const added: string[] = [];
  informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
  const synced = informer.waitForSync(10_000);
  informer.start();
  assert.equal(await synced, true);
  assert.deepEqual(added, ['a', 'b'], 'the listed items were delivered before waitForSync resolved');
  assert.equal(informer.synced, true);
  assert.equal(informer.healthy, true);
  assert.equal(informer.list().length, 2);
  assert.equal(informer.get('a', 'default')?.metadata?.name, 'a');
  assert.equal(fake.starts, 1);
});

test('RestartingInformer: waitForSync resolves false after its timeout when the list keeps failing', async () => {
  const { clock, informer } = setup([new Error('connection refused')]);
  const synced = informer.waitForSync(1_000);
  informer.start();
  await settle();
  clock.advance(1_000);
  assert.equal(await synced, false);
  assert.equal(informer.synced, false);
  await informer.stop();
});

/**
 * A table of failure sequences: each step is a failed list or a broken watch, then `wait` the
 * time until the informer is started again. The restarts follow 500 ms doubling to the 4 s cap.
 */
const backoffCases: { name: string; listAnswers: Array<KubernetesObject[] | Error>; wantDelays: number[] }[] =
  [
    {
      name: 'failed lists back off 500, 1000, 2000, 4000, 4000 ms',
      listAnswers: [
        new Error('e1'),
        new Error('e2'),
        new Error('e3'),
        new Error('e4'),
        new Error('e5'),
        new Error('e6'),
        [job('a')],
      ],
      wantDelays: [500, 1000, 2000, 4000, 4000, 4000],
    },
    {
      name: 'one failed list, then a successful one',
      listAnswers: [new Error('e1'), [job('a')]],
      wantDelays: [500],
    },
  ];

for (const c of backoffCases) {
  test(`RestartingInformer: ${c.name}`, async () => {
    const { clock, informer, fake, restarts } = setup(c.listAnswers);
    informer.start();
    await settle();
    const delays: number[] = [];
    for (const _ of c.wantDelays) {
      const before = fake.starts;
      const began = clock.now();
      // Step 100 ms at a time until the next start: measures the delay without assuming it.
      while (fake.starts === before && clock.now() - began < 60_000) {
        clock.advance(100);
        await settle();
      }
      delays.push(clock.now() - began);
      assert.equal(informer.healthy, fake.isWatching);
    }
    assert.deepEqual(delays, c.wantDelays);
    assert.equal(await restarts(), c.wantDelays.length, 'each failure counted once');
    assert.equal(informer.synced, true);
    assert.equal(informer.healthy, true);
    await informer.stop();
  });
}

test('RestartingInformer: backoff resets after a successful list', async () => {
  const { clock, informer, fake } = setup([new Error('e1'), new Error('e2'), [job('a')]]);
  informer.start();
  await settle();
  clock.advance(500);
  await settle();
  clock.advance(1000);
  await settle();
  assert.equal(fake.starts, 3);
  assert.equal(informer.healthy, true);
  // A later failure starts again from the initial backoff, not from 2000 ms.
  fake.breakWatch(new Error('connection reset'));
  assert.equal(informer.healthy, false);
  clock.advance(499);
  await settle();
  assert.equal(fake.starts, 3);
  clock.advance(1);
  await settle();
  assert.equal(fake.starts, 4);
});

test('RestartingInformer: a broken watch restarts the watch (no new list); a watch event makes it healthy', async () => {
  const { clock, informer, fake, lists } = setup([[job('a')]]);
  informer.start();
  await settle();
  fake.breakWatch(new Error('connection reset'));
  assert.equal(informer.healthy, false);
  assert.equal(informer.synced, true, 'synced never flips back');
  clock.advance(500);
  await settle();
  assert.equal(fake.starts, 2);
  assert.equal(lists(), 1, 'client-node re-watches from its resource version');
  fake.event('add', job('b'));
  assert.equal(informer.healthy, true);
  assert.equal(informer.list().length, 2);
});

test('RestartingInformer: a restarted watch that opens is healthy again, even with no events (an idle cluster)', async () => {
  const { clock, informer, fake } = setup([[job('a')]]);
  informer.start();
  await settle();
  fake.breakWatch(new Error('connection reset'));
  clock.advance(500);
  await settle();
  assert.equal(fake.isWatching, true);
  assert.equal(informer.healthy, true, '/readyz must not report "reconnecting" for a working watch');
});

test('RestartingInformer: a watch that keeps breaking right after it opens still backs off', async () => {
  const { clock, informer, fake } = setup([[job('a')]]);
  informer.start();
  await settle();
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    fake.breakWatch(new Error('connection reset'));
    const before = fake.starts;
    const began = clock.now();
    while (fake.starts === before) {
      clock.advance(100);
      await settle();
    }
    delays.push(clock.now() - began);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000]);
});

test('RestartingInformer: a watch that failed to open counts as a failure and is retried', async () => {
  const { clock, informer, fake, restarts } = setup([[job('a')]]);
  fake.watchOutcomes.push(new Error('500 Internal Server Error'));
  informer.start();
  await settle();
  assert.equal(informer.synced, true);
  assert.equal(informer.healthy, false);
  clock.advance(500);
  await settle();
  assert.equal(fake.starts, 2);
  assert.equal(informer.healthy, true);
  assert.equal(await restarts(), 1);
});

test('RestartingInformer: stop() cancels a pending restart and no error restarts it afterwards', async () => {
  const { clock, informer, fake, restarts } = setup([new Error('e1'), [job('a')]]);
  informer.start();
  await settle();
  assert.equal(clock.pending, 1, 'a restart is pending');
  await informer.stop();
  assert.equal(clock.pending, 0);
  clock.advance(60_000);
  await settle();
  assert.equal(fake.starts, 1);
  assert.equal(await restarts(), 1);
});

test('RestartingInformer: stopping an open watch (reported as an error) does not restart it', async () => {
  const { clock, informer, fake, restarts } = setup([[job('a')]]);
  informer.start();
  await settle();
  await informer.stop();
  clock.advance(60_000);
  await settle();
  assert.equal(fake.starts, 1);
  assert.equal(await restarts(), 0);
  informer.start();
  await settle();
  assert.equal(fake.starts, 2, 'start() after stop() starts it again');
  await informer.stop();
});

test('RestartingInformer: a watch that stayed open for the longest backoff resets the backoff', async () => {
  const { clock, informer, fake } = setup([[job('a')]]);
  informer.start();
  await settle();
  for (const wait of [500, 1000]) {
    fake.breakWatch(new Error('connection reset'));
    clock.advance(wait);
    await settle();
  }
  assert.equal(fake.starts, 3);
  clock.advance(4000); // open for the longest backoff, no event
  fake.breakWatch(new Error('connection reset'));
  clock.advance(500);
  await settle();
  assert.equal(fake.starts, 4, 'restarted after the initial backoff, not 2000 ms');
});
