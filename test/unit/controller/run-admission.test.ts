import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Admission, type AdmissionInput, admit } from '../../../src/controller/run-admission.ts';

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);

const base: AdmissionInput = {
  trigger: 'Schedule',
  scheduledMs: t0,
  nowMs: t0,
  startingDeadlineSeconds: undefined,
  concurrencyPolicy: 'Forbid',
  activeRuns: 0,
  queuedRuns: 0,
  replacementPending: false,
};

const cases: { name: string; input: Partial<AdmissionInput>; want: Admission }[] = [
  { name: 'nothing active: start', input: {}, want: 'start' },
  { name: 'Forbid, a run active: skip', input: { activeRuns: 1 }, want: 'skip' },
  { name: 'Forbid, a run queued: skip', input: { queuedRuns: 1 }, want: 'skip' },
  { name: 'Allow, runs active: start', input: { concurrencyPolicy: 'Allow', activeRuns: 3 }, want: 'start' },
  {
    name: 'Replace, a run active: replace',
    input: { concurrencyPolicy: 'Replace', activeRuns: 1 },
    want: 'replace',
  },
  {
    name: 'Replace, a replacement already pending: supersede',
    input: { concurrencyPolicy: 'Replace', activeRuns: 1, queuedRuns: 1, replacementPending: true },
    want: 'supersede',
  },
  {
    name: 'Replace, only queued runs (nothing to abort): start',
    input: { concurrencyPolicy: 'Replace', queuedRuns: 1 },
    want: 'start',
  },
  {
    name: 'past the deadline: missed',
    input: { startingDeadlineSeconds: 10, nowMs: t0 + 10_001 },
    want: 'missed',
  },
  {
    name: 'exactly at the deadline: still in time',
    input: { startingDeadlineSeconds: 10, nowMs: t0 + 10_000 },
    want: 'start',
  },
  {
    name: 'past the deadline beats the policy (Forbid, active)',
    input: { startingDeadlineSeconds: 10, nowMs: t0 + 60_000, activeRuns: 1 },
    want: 'missed',
  },
  { name: 'no deadline: never missed', input: { nowMs: t0 + 86_400_000 }, want: 'start' },
  {
    name: 'CatchUp past the deadline: missed',
    input: { trigger: 'CatchUp', startingDeadlineSeconds: 30, nowMs: t0 + 31_000 },
    want: 'missed',
  },
  {
    name: 'Manual runs have no deadline',
    input: { trigger: 'Manual', startingDeadlineSeconds: 1, nowMs: t0 + 60_000 },
    want: 'start',
  },
  {
    name: 'Retry runs have no deadline but obey the policy',
    input: { trigger: 'Retry', startingDeadlineSeconds: 1, nowMs: t0 + 60_000, activeRuns: 1 },
    want: 'skip',
  },
];

for (const c of cases) {
  test(`admit: ${c.name}`, () => {
    assert.equal(admit({ ...base, ...c.input }), c.want);
  });
}
