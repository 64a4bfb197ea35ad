import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import type { Condition } from '../../../src/api/schema.ts';
import { setCondition } from '../../../src/controller/conditions.ts';

const ready = (status: Condition['status'], message: string) =>
  ({ type: 'Ready', status, reason: status === 'True' ? 'Scheduled' : 'Invalid', message }) as const;

test('setCondition: appends, replaces in place, keeps lastTransitionTime while the status stays', () => {
  const other: Condition = { type: 'Other', status: 'True', reason: 'R', lastTransitionTime: 't0' };
  const input = [other];
  const first = setCondition(input, ready('True', 'a'), 't1');
  assert.deepEqual(input, [other], 'the input is not modified');
  assert.deepEqual(first, [other, { ...ready('True', 'a'), lastTransitionTime: 't1' }]);
  const sameStatus = setCondition(first, ready('True', 'b'), 't2');
  assert.deepEqual(sameStatus[1], { ...ready('True', 'b'), lastTransitionTime: 't1' }, 'not a transition');
  const changed = setCondition(sameStatus, ready('False', 'c'), 't3');
  assert.deepEqual(changed, [other, { ...ready('False', 'c'), lastTransitionTime: 't3' }]);
  assert.deepEqual(setCondition(undefined, ready('True', 'a'), 't1'), [
    { ...ready('True', 'a'), lastTransitionTime: 't1' },
  ]);
});

// Every job's status keeps its conditions for as long as the job lives: the conditions of two
// jobs must share V8's hidden class (`%HaveSameMap`, natives syntax enabled for this function).
setFlagsFromString('--allow-natives-syntax');
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

test('setCondition: the conditions of different jobs share one hidden class', () => {
  // Many jobs, as in a running operator: V8's spread copies differ once their call site is warm.
  const conditions = Array.from({ length: 200 }, (_, i) => {
    const [c] = setCondition(undefined, ready('True', `Schedule "${i % 60} 2 1 1 *" in UTC`), `t${i}`);
    assert.ok(c);
    return c;
  });
  const [first, last] = [conditions[0], conditions[199]];
  assert.ok(first && last);
  assert.ok(haveSameMap(first, last));
  assert.ok(haveSameMap(conditions[198] as object, last));
});
