import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownsJob, type ReplicaRole } from '../../../src/controller/placement.ts';

const cases: { name: string; placement?: { nodeName?: string }; role: ReplicaRole; want: boolean }[] = [
  { name: 'unplaced job, leader', role: { leads: true }, want: true },
  { name: 'unplaced job, standby', role: { leads: false }, want: false },
  { name: 'unplaced job, node replica that leads', role: { nodeName: 'n1', leads: true }, want: true },
  { name: 'empty placement, standby', placement: {}, role: { leads: false }, want: false },
  {
    name: 'placed on this node, not leader',
    placement: { nodeName: 'n1' },
    role: { nodeName: 'n1', leads: false },
    want: true,
  },
  {
    name: 'placed on another node, leader',
    placement: { nodeName: 'n2' },
    role: { nodeName: 'n1', leads: true },
    want: false,
  },
  {
    name: 'placed, replica without a node name',
    placement: { nodeName: 'n1' },
    role: { leads: true },
    want: false,
  },
];

for (const c of cases) {
  test(`ownsJob: ${c.name}`, () => {
    assert.equal(ownsJob(c.placement, c.role), c.want);
  });
}
