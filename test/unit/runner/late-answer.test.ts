import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerInspect } from '../../../src/docker/engine-types.ts';
import { startedSince, startRefusal } from '../../../src/runner/late-answer.ts';

const NEVER = '0001-01-01T00:00:00Z';

function inspect(state: Partial<ContainerInspect['State']>): ContainerInspect {
  return {
    Id: 'c1',
    Name: '/c1',
    State: { Status: 'created', Running: false, ExitCode: 0, StartedAt: NEVER, ...state },
    Config: { Image: 'img' },
  } as ContainerInspect;
}

test('startedSince: a fresh container that started; one still created is not', () => {
  assert.equal(
    startedSince({}, inspect({ Status: 'running', Running: true, StartedAt: '2026-12-05T10:00:01Z' })),
    true,
  );
  assert.equal(startedSince({}, inspect({ Status: 'exited', StartedAt: '2026-12-05T10:00:01Z' })), true);
  assert.equal(startedSince({}, inspect({})), false);
  assert.equal(startedSince({ startedAt: NEVER }, inspect({ StartedAt: NEVER })), false);
});

test("startedSince: a user's container that ran before counts only with a new start time (its old exit is not this run)", () => {
  const before = { startedAt: '2026-12-04T08:00:00Z' };
  assert.equal(startedSince(before, inspect({ Status: 'exited', StartedAt: '2026-12-04T08:00:00Z' })), false);
  assert.equal(startedSince(before, inspect({ Status: 'exited', StartedAt: '2026-12-05T10:00:01Z' })), true);
});

test('startRefusal: the daemon error of this start; none when it started, or when the error is an old one', () => {
  assert.equal(
    startRefusal({}, inspect({ Error: 'exec: "nope": executable file not found' })),
    'exec: "nope": executable file not found',
  );
  assert.equal(startRefusal({}, inspect({})), undefined);
  assert.equal(startRefusal({ error: 'old' }, inspect({ Error: 'old' })), undefined);
  assert.equal(
    startRefusal({}, inspect({ Status: 'running', StartedAt: '2026-12-05T10:00:01Z', Error: 'x' })),
    undefined,
  );
});
