import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/log/logger.ts';
import { runnable } from '../../../src/machinery/runnable.ts';
import { RunnableGroup } from '../../../src/machinery/runnable-group.ts';

function recorder() {
  const log: string[] = [];
  const part = (name: string, opts: { failStart?: boolean; failStop?: boolean } = {}) =>
    runnable(name, {
      start: async () => {
        log.push(`start ${name}`);
        if (opts.failStart) throw new Error(`${name} cannot start`);
      },
      stop: async () => {
        log.push(`stop ${name}`);
        if (opts.failStop) throw new Error(`${name} cannot stop`);
      },
    });
  return { log, part };
}

test('RunnableGroup: starts in order, stops in reverse', async () => {
  const { log, part } = recorder();
  const group = new RunnableGroup('g', silentLogger()).add(
    part('informer'),
    part('writer'),
    part('controller'),
  );
  await group.start();
  await group.stop();
  assert.deepEqual(log, [
    'start informer',
    'start writer',
    'start controller',
    'stop controller',
    'stop writer',
    'stop informer',
  ]);
});

test('RunnableGroup: a failed start stops what was started (the failed part included), then rethrows', async () => {
  const { log, part } = recorder();
  const group = new RunnableGroup('g', silentLogger()).add(
    part('a'),
    part('b', { failStart: true }),
    part('c'),
  );
  await assert.rejects(group.start(), /b cannot start/);
  assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
});

test('RunnableGroup: a stop that throws does not keep the others from stopping', async () => {
  const { log, part } = recorder();
  const group = new RunnableGroup('g', silentLogger()).add(
    part('a'),
    part('b', { failStop: true }),
    part('c'),
  );
  await group.start();
  await group.stop();
  assert.deepEqual(log.slice(3), ['stop c', 'stop b', 'stop a']);
});

test('RunnableGroup: parts added later start on the next start(); stop is idempotent', async () => {
  const { log, part } = recorder();
  const group = new RunnableGroup('g', silentLogger()).add(part('a'));
  await group.start();
  group.add(part('b'));
  await group.start();
  await Promise.all([group.stop(), group.stop()]);
  await group.stop();
  assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
});
