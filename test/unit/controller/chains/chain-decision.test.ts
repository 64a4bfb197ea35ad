import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../../../src/api/schema.ts';
import {
  type ChainInput,
  decideChains,
  matchesOn,
  type UpstreamMarker,
} from '../../../../src/controller/chains/chain-decision.ts';

const t0 = Date.UTC(2026, 2, 10, 10, 0, 0);
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const run = (name: string, finishS: number, result: RunRecord['result'] = 'Succeeded'): RunRecord => ({
  name,
  trigger: 'Schedule',
  attempt: 1,
  scheduledTime: at(finishS - 1),
  finishTime: at(finishS),
  result,
});

interface Row {
  name: string;
  after?: ChainInput['after'];
  markers?: UpstreamMarker[];
  runs?: Record<string, RunRecord[]>;
  /** spec.after of other jobs (for cycles); jobs in `runs` exist with no after. */
  graph?: Record<string, string[]>;
  suspended?: boolean;
  want: {
    fire?: string[];
    markers?: UpstreamMarker[] | 'unchanged';
    cycle?: string;
    missing?: string[];
    consumed?: number;
  };
}

const rows: Row[] = [
  // ---- first sight of an upstream: start the marker, replay nothing
  {
    name: 'a new after entry sets its marker at the latest finish and fires nothing',
    runs: { a: [run('a-1', 10), run('a-2', 20)] },
    want: { fire: [], markers: [{ job: 'a', run: 'a-2', finishTime: at(20) }] },
  },
  {
    name: 'a new after entry on an upstream that never ran marks now',
    runs: { a: [] },
    want: { fire: [], markers: [{ job: 'a', finishTime: at(100) }] },
  },
  // ---- new finishes
  {
    name: 'a success after the marker fires once, with the finish as scheduled time; the marker moves when it starts',
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-1', 10), run('a-2', 20)] },
    want: { fire: ['a:a-2@20'], markers: 'unchanged' },
  },
  {
    name: 'nothing new: nothing fires, markers unchanged',
    markers: [{ job: 'a', run: 'a-2', finishTime: at(20) }],
    runs: { a: [run('a-1', 10), run('a-2', 20)] },
    want: { fire: [], markers: 'unchanged' },
  },
  {
    name: 'two new finishes fire two runs, oldest first',
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-3', 30), run('a-2', 20), run('a-1', 10)] },
    want: { fire: ['a:a-2@20', 'a:a-3@30'], markers: 'unchanged' },
  },
  {
    name: 'on Succeeded: a failure moves the marker without a run',
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-2', 20, 'Failed')] },
    want: { fire: [], markers: [{ job: 'a', run: 'a-2', finishTime: at(20) }] },
  },
  {
    name: 'on Failed: a failure fires',
    after: [{ job: 'a', on: 'Failed' }],
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-2', 20, 'DeadlineExceeded')] },
    want: { fire: ['a:a-2@20'], markers: 'unchanged' },
  },
  {
    name: 'on Completed: success and failure fire, a cancellation does not',
    after: [{ job: 'a', on: 'Completed' }],
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-2', 20, 'Failed'), run('a-3', 30), run('a-4', 40, 'Cancelled')] },
    want: { fire: ['a:a-2@20', 'a:a-3@30'], markers: 'unchanged' },
  },
  {
    name: 'suspended: new finishes are consumed without runs',
    suspended: true,
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-2', 20)] },
    want: { fire: [], consumed: 1, markers: [{ job: 'a', run: 'a-2', finishTime: at(20) }] },
  },
  // ---- several upstreams, missing ones
  {
    name: 'two upstreams: each is followed on its own',
    after: [
      { job: 'a', on: 'Succeeded' },
      { job: 'b', on: 'Failed' },
    ],
    markers: [
      { job: 'a', run: 'a-1', finishTime: at(10) },
      { job: 'b', run: 'b-1', finishTime: at(10) },
    ],
    runs: { a: [run('a-2', 25)], b: [run('b-2', 15, 'Failed')] },
    want: {
      fire: ['b:b-2@15', 'a:a-2@25'],
      markers: 'unchanged',
    },
  },
  {
    name: 'a missing upstream is reported; its marker is kept; the others work',
    after: [
      { job: 'gone', on: 'Succeeded' },
      { job: 'a', on: 'Succeeded' },
    ],
    markers: [
      { job: 'a', run: 'a-1', finishTime: at(10) },
      { job: 'gone', run: 'g-1', finishTime: at(5) },
    ],
    runs: { a: [run('a-2', 20)] },
    want: {
      fire: ['a:a-2@20'],
      missing: ['gone'],
      markers: 'unchanged',
    },
  },
  // ---- cycles
  {
    name: 'a job after itself is a cycle',
    after: [{ job: 'me', on: 'Succeeded' }],
    runs: { me: [run('me-1', 10)] },
    want: { fire: [], cycle: 'me -> me' },
  },
  {
    name: 'me after a, a after me: a cycle, nothing fires',
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    runs: { a: [run('a-2', 20)] },
    graph: { a: ['me'] },
    want: { fire: [], cycle: 'me -> a -> me' },
  },
  {
    name: 'a longer cycle is named in order',
    runs: { a: [], b: [], c: [] },
    graph: { a: ['b'], b: ['c'], c: ['me'] },
    want: { fire: [], cycle: 'me -> c -> b -> a -> me' },
  },
  {
    name: 'a diamond is not a cycle',
    after: [
      { job: 'b', on: 'Succeeded' },
      { job: 'c', on: 'Succeeded' },
    ],
    runs: { b: [], c: [], a: [] },
    graph: { b: ['a'], c: ['a'] },
    want: {
      fire: [],
      markers: [
        { job: 'b', finishTime: at(100) },
        { job: 'c', finishTime: at(100) },
      ],
    },
  },
];

for (const row of rows) {
  test(`decideChains: ${row.name}`, () => {
    const runs = row.runs ?? {};
    const graph = row.graph ?? {};
    const plan = decideChains({
      name: 'me',
      after: row.after ?? [{ job: 'a', on: 'Succeeded' }],
      markers: row.markers,
      suspended: row.suspended ?? false,
      nowMs: t0 + 100_000,
      upstreamRuns: (job) => runs[job],
      afterOf: (job) => (job in graph ? graph[job] : job in runs ? [] : undefined),
    });
    assert.deepEqual(
      plan.fire.map((f) => `${f.upstream}:${f.run.name}@${(f.scheduledMs - t0) / 1000}`),
      row.want.fire ?? [],
    );
    if (row.want.markers === 'unchanged') assert.equal(plan.markers, undefined);
    else if (row.want.markers) assert.deepEqual(plan.markers, row.want.markers);
    assert.equal(plan.cycle, row.want.cycle);
    assert.deepEqual(plan.missing, row.want.missing ?? []);
    assert.equal(plan.consumedWhileSuspended, row.want.consumed ?? 0);
  });
}

test('matchesOn: Failed means any result but Succeeded and Cancelled', () => {
  assert.equal(matchesOn('Failed', 'PolicyDenied'), true);
  assert.equal(matchesOn('Failed', 'Cancelled'), false);
  assert.equal(matchesOn('Succeeded', 'Failed'), false);
  assert.equal(matchesOn('Completed', 'ImagePullFailed'), true);
});

test('decideChains: a fired run carries the marker its start will record', () => {
  const plan = decideChains({
    name: 'me',
    after: [{ job: 'a', on: 'Succeeded' }],
    markers: [{ job: 'a', run: 'a-1', finishTime: at(10) }],
    suspended: false,
    nowMs: t0 + 100_000,
    upstreamRuns: () => [run('a-2', 20)],
    afterOf: () => [],
  });
  assert.deepEqual(
    plan.fire.map((f) => f.marker),
    [{ job: 'a', run: 'a-2', finishTime: at(20) }],
  );
});
