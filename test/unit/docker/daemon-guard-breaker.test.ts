/**
 * The per-daemon breaker (cockatiel's ConsecutiveBreaker inside DaemonGuard), through the guard's
 * public behaviour. cockatiel takes no clock: `halfOpenAfter` is a short real time (30 ms) and a
 * `wait` step sleeps past it with margin. The transitions are read from the guard's log lines,
 * which come from cockatiel's onBreak / onHalfOpen / onReset events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { DaemonGuard } from '../../../src/docker/daemon-guard.ts';
import {
  DaemonUnavailableError,
  DockerApiError,
  DockerTimeoutError,
  DockerTransportError,
} from '../../../src/docker/errors.ts';
import type { BreakerStateName } from '../../../src/metrics/docker-metrics.ts';

const HALF_OPEN_AFTER_MS = 30;

function guard() {
  const changes: BreakerStateName[] = [];
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg: string; state: BreakerStateName };
        if (entry.msg === 'docker breaker state changed') changes.push(entry.state);
      },
    },
  );
  const g = new DaemonGuard(
    'd',
    { breakerThreshold: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS, bulkheadLimit: 10, bulkheadQueue: 10 },
    log,
  );
  return { g, changes };
}

type Step = 'fault' | 'timeout' | '5xx' | 'ok' | '404' | '409' | 'abort' | 'refused' | 'wait';

/** Runs one step and checks what the caller sees. */
async function run(g: DaemonGuard, step: Step): Promise<void> {
  if (step === 'wait') {
    await new Promise((r) => setTimeout(r, HALF_OPEN_AFTER_MS * 2));
    return;
  }
  if (step === 'refused') {
    let called = false;
    await assert.rejects(
      g.execute('ping', async () => {
        called = true;
      }),
      DaemonUnavailableError,
    );
    assert.equal(called, false, 'an open breaker does not call the daemon');
    return;
  }
  if (step === 'ok') {
    assert.equal(await g.execute('ping', async () => 'OK'), 'OK');
    return;
  }
  const error = {
    fault: new DockerTransportError('d', 'ping', 'ECONNREFUSED', 'refused'),
    timeout: new DockerTimeoutError('d', 'ping', 'headers', 10),
    '5xx': new DockerApiError('d', 'ping', 500, 'boom'),
    '404': new DockerApiError('d', 'container.inspect', 404, 'No such container'),
    '409': new DockerApiError('d', 'container.create', 409, 'Conflict'),
    abort: Object.assign(new Error('aborted'), { name: 'AbortError' }),
  }[step];
  // The caller always gets the error itself back (not a breaker error) while the call ran.
  await assert.rejects(
    g.execute('ping', () => Promise.reject(error)),
    (e: unknown) => e === error,
  );
}

const cases: { name: string; steps: Step[]; state: BreakerStateName; changes: BreakerStateName[] }[] = [
  { name: 'two faults stay closed', steps: ['fault', 'fault'], state: 'closed', changes: [] },
  {
    name: 'three consecutive faults open (transport, timeout, 5xx all count)',
    steps: ['fault', 'timeout', '5xx', 'refused'],
    state: 'open',
    changes: ['open'],
  },
  {
    name: 'a success resets the count',
    steps: ['fault', 'fault', 'ok', 'fault', 'fault'],
    state: 'closed',
    changes: [],
  },
  {
    name: 'a 404 answer is a success: it resets the count',
    steps: ['fault', 'fault', '404', 'fault', 'fault'],
    state: 'closed',
    changes: [],
  },
  {
    name: 'a 409 answer is a success: it resets the count',
    steps: ['fault', 'fault', '409', 'fault', 'fault'],
    state: 'closed',
    changes: [],
  },
  {
    name: "the caller's abort neither counts nor resets",
    steps: ['fault', 'fault', 'abort', 'fault', 'refused'],
    state: 'open',
    changes: ['open'],
  },
  {
    name: 'no half-open before the wait',
    steps: ['fault', 'fault', 'fault', 'refused', 'refused'],
    state: 'open',
    changes: ['open'],
  },
  {
    name: 'half-open after the wait; a good trial closes',
    steps: ['fault', 'fault', 'fault', 'wait', 'ok', 'fault'],
    state: 'closed',
    changes: ['open', 'halfOpen', 'closed'],
  },
  {
    name: 'a 404 trial is the daemon answering: it closes',
    steps: ['fault', 'fault', 'fault', 'wait', '404'],
    state: 'closed',
    changes: ['open', 'halfOpen', 'closed'],
  },
  {
    name: 'a failed trial opens again and restarts the wait',
    steps: ['fault', 'fault', 'fault', 'wait', 'fault', 'refused', 'wait', 'ok'],
    state: 'closed',
    changes: ['open', 'halfOpen', 'open', 'halfOpen', 'closed'],
  },
];
for (const c of cases) {
  test(`breaker: ${c.name}`, async () => {
    const { g, changes } = guard();
    for (const step of c.steps) await run(g, step);
    assert.equal(g.state, c.state);
    assert.deepEqual(changes, c.changes);
  });
}

test('breaker: faults of calls that started before it opened do not move an open breaker', async () => {
  const { g, changes } = guard();
  const rejecters: ((e: Error) => void)[] = [];
  const calls = Array.from({ length: 5 }, () =>
    g.execute(
      'ping',
      () =>
        new Promise<void>((_, reject) => {
          rejecters.push(reject);
        }),
    ),
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(rejecters.length, 5);
  for (const reject of rejecters) reject(new DockerTransportError('d', 'ping', 'ECONNRESET', 'reset'));
  for (const call of calls) await assert.rejects(call, DockerTransportError);
  assert.equal(g.state, 'open');
  assert.deepEqual(changes, ['open']);
  await run(g, 'refused');
});
