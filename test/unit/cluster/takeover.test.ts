import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScheduledDockerJobStatus } from '../../../src/api/schema.ts';
import { planTakeover } from '../../../src/cluster/takeover.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const run = (name: string, node?: string) => ({
  name,
  scheduledTime: '2026-01-01T11:59:58.000Z',
  startTime: '2026-01-01T11:59:58.100Z',
  containerId: `c-${name}`,
  ...(node ? { node } : {}),
});

const cases: Array<{
  name: string;
  status: ScheduledDockerJobStatus;
  live: string[];
  following?: string[];
  want: { ownerLost: boolean; unknown: string[]; active?: string[] | null; owner?: string };
}> = [
  {
    name: 'a new job: only the owner is written',
    status: {},
    live: ['b'],
    want: { ownerLost: false, unknown: [], owner: 'b' },
  },
  {
    name: 'rebalanced from a live owner: its runs stay active (it follows them), no loss',
    status: { owner: 'a', active: [run('r1', 'a')], activeCount: 1 },
    live: ['a', 'b'],
    want: { ownerLost: false, unknown: [], owner: 'b' },
  },
  {
    name: 'owner lost with a run in progress on its node: the run becomes Unknown',
    status: { owner: 'a', active: [run('r1', 'a'), run('r2', 'c')], activeCount: 2 },
    live: ['b', 'c'],
    want: { ownerLost: true, unknown: ['r1'], active: ['r2'], owner: 'b' },
  },
  {
    name: 'an entry without a node belongs to the lost owner',
    status: { owner: 'a', active: [run('r1')], activeCount: 1 },
    live: ['b'],
    want: { ownerLost: true, unknown: ['r1'], active: null, owner: 'b' },
  },
  {
    name: 'a run this replica adopted (its daemon is visible here) is not Unknown',
    status: { owner: 'a', active: [run('r1', 'a')], activeCount: 1 },
    live: ['b'],
    following: ['r1'],
    want: { ownerLost: true, unknown: [], owner: 'b' },
  },
  {
    name: 'already ours: nothing to write',
    status: { owner: 'b', active: [run('r1', 'b')] },
    live: ['b'],
    want: { ownerLost: false, unknown: [] },
  },
];

for (const c of cases) {
  test(`planTakeover: ${c.name}`, () => {
    const plan = planTakeover({
      status: c.status,
      node: 'b',
      isLive: (n) => c.live.includes(n),
      following: new Set(c.following ?? []),
      nowMs: NOW,
    });
    assert.equal(plan.ownerLost, c.want.ownerLost);
    assert.deepEqual(
      plan.unknownRuns.map((r) => r.name),
      c.want.unknown,
    );
    for (const r of plan.unknownRuns) {
      assert.equal(r.result, 'Unknown');
      assert.equal(r.reason, 'ReplicaLost');
      assert.equal(r.node, 'a');
    }
    assert.equal(plan.ownerChanged, c.want.owner !== undefined);
    if (c.want.unknown.length > 0) {
      assert.deepEqual(
        plan.keep.map((r) => r.name),
        c.want.active ?? [],
      );
    }
  });
}
