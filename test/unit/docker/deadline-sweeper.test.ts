import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DeadlineEntry,
  type DeadlinePhase,
  DeadlineSweeper,
} from '../../../src/docker/deadline-sweeper.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const limits = {
  connectTimeoutMs: 5000,
  headerTimeoutMs: 10000,
  requestTimeoutMs: 30000,
  containerCallTimeoutMs: 60000,
};

interface EntryState {
  connecting?: boolean;
  headers?: boolean;
  boundBody?: boolean;
  changesContainer?: boolean;
}

function entry(clock: FakeClock, o: EntryState) {
  const expired: { phase: DeadlinePhase; ms: number }[] = [];
  const e: DeadlineEntry = {
    start: clock.now(),
    connecting: () => o.connecting ?? false,
    headersReceived: o.headers ?? false,
    boundBody: o.boundBody ?? true,
    changesContainer: o.changesContainer ?? false,
    expire: (phase, ms) => expired.push({ phase, ms }),
  };
  return { e, expired };
}

const cases: {
  name: string;
  state: EntryState;
  advance: number;
  want: DeadlinePhase | undefined;
}[] = [
  {
    name: 'still connecting past the connect timeout',
    state: { connecting: true },
    advance: 5000,
    want: 'connect',
  },
  {
    name: 'connecting, before the connect timeout',
    state: { connecting: true },
    advance: 4900,
    want: undefined,
  },
  { name: 'connected, no headers, past the header timeout', state: {}, advance: 10000, want: 'headers' },
  { name: 'connected, no headers, before the header timeout', state: {}, advance: 9900, want: undefined },
  {
    name: 'headers in, body still coming past the request timeout',
    state: { headers: true },
    advance: 30000,
    want: 'request',
  },
  {
    name: 'a stream (body unbounded) with headers never expires',
    state: { headers: true, boundBody: false },
    advance: 3_600_000,
    want: undefined,
  },
  {
    name: 'a stream without headers gets the header timeout',
    state: { boundBody: false },
    advance: 10000,
    want: 'headers',
  },
  {
    name: 'a container start past the header timeout is still waited for',
    state: { changesContainer: true },
    advance: 30000,
    want: undefined,
  },
  {
    name: 'a container start without headers past the container call timeout',
    state: { changesContainer: true },
    advance: 60000,
    want: 'headers',
  },
  {
    name: 'a container call whose body is still coming past the container call timeout',
    state: { changesContainer: true, headers: true },
    advance: 60000,
    want: 'request',
  },
];

for (const c of cases) {
  test(`DeadlineSweeper: ${c.name}`, () => {
    const clock = new FakeClock();
    const sweeper = new DeadlineSweeper(clock, limits, 100);
    const { e, expired } = entry(clock, c.state);
    sweeper.add(e);
    clock.advance(c.advance);
    assert.deepEqual(
      expired.map((x) => x.phase),
      c.want ? [c.want] : [],
    );
    assert.equal(sweeper.size, c.want ? 0 : 1);
    sweeper.close();
  });
}

test('DeadlineSweeper: one timer for many entries, none once they are done', () => {
  const clock = new FakeClock();
  const sweeper = new DeadlineSweeper(clock, limits, 100);
  const entries = Array.from({ length: 1000 }, () => entry(clock, {}).e);
  for (const e of entries) sweeper.add(e);
  assert.equal(clock.pending, 1);
  for (const e of entries) sweeper.delete(e);
  clock.advance(100);
  assert.equal(clock.pending, 0, 'the timer is not re-armed when nothing is in flight');
});
