import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConsecutiveCircuitBreaker } from '../../../src/docker/circuit-breaker.ts';
import type { BreakerStateName } from '../../../src/metrics/docker-metrics.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function breaker(threshold = 3, halfOpenAfterMs = 1000) {
  const clock = new FakeClock();
  const changes: BreakerStateName[] = [];
  const b = new ConsecutiveCircuitBreaker(threshold, halfOpenAfterMs, clock, (s) => changes.push(s));
  return { b, clock, changes };
}
const boom = new Error('boom');

type Step = ['fault' | 'ok' | 'trialFault' | 'trialOk'] | ['wait', number] | ['halfOpen', boolean];
const cases: { name: string; steps: Step[]; state: BreakerStateName; changes: BreakerStateName[] }[] = [
  { name: 'two faults stay closed', steps: [['fault'], ['fault']], state: 'closed', changes: [] },
  {
    name: 'three consecutive faults open',
    steps: [['fault'], ['fault'], ['fault']],
    state: 'open',
    changes: ['open'],
  },
  {
    name: 'a success resets the count',
    steps: [['fault'], ['fault'], ['ok'], ['fault'], ['fault']],
    state: 'closed',
    changes: [],
  },
  {
    name: 'no half-open before the wait',
    steps: [['fault'], ['fault'], ['fault'], ['wait', 999], ['halfOpen', false]],
    state: 'open',
    changes: ['open'],
  },
  {
    name: 'half-open after the wait; a good trial closes',
    steps: [['fault'], ['fault'], ['fault'], ['wait', 1000], ['halfOpen', true], ['trialOk']],
    state: 'closed',
    changes: ['open', 'halfOpen', 'closed'],
  },
  {
    name: 'a failed trial opens again and restarts the wait',
    steps: [
      ['fault'],
      ['fault'],
      ['fault'],
      ['wait', 1000],
      ['halfOpen', true],
      ['trialFault'],
      ['wait', 999],
      ['halfOpen', false],
      ['wait', 1],
      ['halfOpen', true],
    ],
    state: 'halfOpen',
    changes: ['open', 'halfOpen', 'open', 'halfOpen'],
  },
  {
    name: 'faults of calls that started before it opened do not move an open breaker',
    steps: [['fault'], ['fault'], ['fault'], ['fault'], ['ok'], ['fault']],
    state: 'open',
    changes: ['open'],
  },
];
for (const c of cases) {
  test(`ConsecutiveCircuitBreaker: ${c.name}`, () => {
    const { b, clock, changes } = breaker();
    for (const step of c.steps) {
      if (step[0] === 'wait') clock.advance(step[1]);
      else if (step[0] === 'halfOpen') assert.equal(b.tryHalfOpen(), step[1]);
      else
        b.record(
          step[0].endsWith('ault'),
          step[0].endsWith('ault') ? boom : undefined,
          step[0].startsWith('trial'),
        );
    }
    assert.equal(b.state, c.state);
    assert.deepEqual(changes, c.changes);
  });
}

test('ConsecutiveCircuitBreaker: a trial the bulkhead refused leaves it open and retriable at once', () => {
  const { b, clock } = breaker();
  for (let i = 0; i < 3; i++) b.record(true, boom, false);
  clock.advance(1000);
  assert.equal(b.tryHalfOpen(), true);
  b.trialNotRun();
  assert.equal(b.state, 'open');
  assert.equal(b.tryHalfOpen(), true, 'the wait already passed');
  assert.equal(b.lastFailure, boom);
});
