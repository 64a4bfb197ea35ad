import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition, RunRecord, ScheduledDockerJobStatus } from '../../../src/api/schema.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { policyDeniedReady } from '../../../src/controller/policy-denied-condition.ts';
import { decide } from '../../../src/controller/reconcile-decision.ts';
import { compileSchedule, EvaluatorCache } from '../../../src/schedule/index.ts';

// ---- named time fixtures
const at = (hh: number, mm: number) => new Date(Date.UTC(2026, 2, 10, hh, mm)).toISOString();
const nine = at(9, 0);
const ten = at(10, 0);
const eleven = at(11, 0);

const run = (result: RunRecord['result'], finishTime: string): RunRecord => ({
  name: 'backup-1',
  trigger: 'Manual',
  attempt: 1,
  scheduledTime: finishTime,
  finishTime,
  result,
  reason: result === 'PolicyDenied' ? 'ExecTargetNotOptedIn' : 'Completed',
  ...(result === 'PolicyDenied' ? { message: 'spec.exec.container: nope' } : {}),
});
const ready = (reason: string, lastTransitionTime: string, observedGeneration: number): Condition => ({
  type: 'Ready',
  status: reason === 'PolicyDenied' ? 'False' : 'True',
  reason,
  lastTransitionTime,
  observedGeneration,
});

const cases: { name: string; status: ScheduledDockerJobStatus; generation: number; denied: boolean }[] = [
  { name: 'no run yet', status: {}, generation: 1, denied: false },
  { name: 'last run succeeded', status: { lastRun: run('Succeeded', ten) }, generation: 1, denied: false },
  {
    name: 'denied, no condition yet',
    status: { lastRun: run('PolicyDenied', ten) },
    generation: 1,
    denied: true,
  },
  {
    name: 'denied after Ready last changed',
    status: { lastRun: run('PolicyDenied', ten), conditions: [ready('Scheduled', nine, 1)] },
    generation: 1,
    denied: true,
  },
  {
    name: 'Ready already shows the denial for this generation',
    status: { lastRun: run('PolicyDenied', nine), conditions: [ready('PolicyDenied', ten, 2)] },
    generation: 2,
    denied: true,
  },
  {
    name: 'the spec changed since the denial (new generation)',
    status: { lastRun: run('PolicyDenied', nine), conditions: [ready('PolicyDenied', ten, 2)] },
    generation: 3,
    denied: false,
  },
  {
    name: 'Ready turned True after the spec change, the denial is older',
    status: { lastRun: run('PolicyDenied', ten), conditions: [ready('Scheduled', eleven, 3)] },
    generation: 3,
    denied: false,
  },
];
for (const c of cases) {
  test(`policyDeniedReady: ${c.name} -> ${c.denied ? 'PolicyDenied' : 'schedule decides'}`, () => {
    const got = policyDeniedReady(c.status, c.generation, 1024);
    assert.equal(got !== undefined, c.denied);
    if (got) {
      assert.equal(got.reason, 'PolicyDenied');
      assert.match(got.message, /^Run backup-1 was refused: spec\.exec\.container: nope$/);
    }
  });
}

test('decide: a scheduled job whose last run was refused is Ready=False PolicyDenied, still scheduled', () => {
  const raw = {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'backup', namespace: 'default', uid: 'u', generation: 1, creationTimestamp: nine },
    spec: { schedule: '0 * * * *', exec: { container: 'db', command: ['true'] } },
  };
  const validation = validateScheduledDockerJob(raw);
  assert.ok(validation.ok);
  const plan = decide({
    nowMs: Date.parse(ten) + 1000,
    meta: raw.metadata,
    status: { lastRun: run('PolicyDenied', ten), lastScheduleTime: ten },
    validation,
    compiled: compileSchedule('0 * * * *', {
      timeZone: 'UTC',
      hashKey: 'default/backup',
      evaluators: new EvaluatorCache(),
    }),
    lastActedMs: Date.parse(ten),
  });
  assert.equal(plan.phase, 'Scheduled');
  assert.ok(plan.next, 'the schedule goes on: the next run is checked again');
  const condition = plan.conditions.find((c) => c.type === 'Ready');
  assert.equal(condition?.status, 'False');
  assert.equal(condition?.reason, 'PolicyDenied');
});
