import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findUnknownFields, MAX_UNKNOWN_FIELDS } from '../../../src/api/unknown-fields.ts';
import { execJob, type Manifest, runJob } from './fixtures.ts';

const cases: Array<{ name: string; make: () => unknown; want: string[] }> = [
  { name: 'a clean run job', make: runJob, want: [] },
  { name: 'a clean exec job', make: execJob, want: [] },
  { name: 'not an object', make: () => 'x', want: [] },
  {
    name: 'top level',
    make: () => ({ ...runJob(), bogus: 1 }),
    want: ['bogus'],
  },
  {
    name: 'spec and a typo in run',
    make: () => {
      const m = runJob();
      m.spec.bogus = true;
      m.spec.run.imagee = 'x';
      return m;
    },
    want: ['spec.bogus', 'spec.run.imagee'],
  },
  {
    name: 'inside an array item and a nested ref',
    make: () => {
      const m = runJob();
      m.spec.run.env = [
        { name: 'A', value: 'x' },
        { name: 'B', valu: 'y', valueFrom: { secretKeyRef: { name: 's', key: 'k', opt: true } } },
      ];
      return m;
    },
    want: ['spec.run.env[1].valu', 'spec.run.env[1].valueFrom.secretKeyRef.opt'],
  },
  {
    name: 'metadata: ObjectMeta keys are known, others not; labels are free maps',
    make: () => {
      const m = runJob();
      Object.assign(m.metadata, {
        labels: { anything: 'x' },
        annotations: { 'a/b': 'c' },
        ownerReferences: [{ whatever: 1 }],
        managedFields: [{ x: 1 }],
        deletionGracePeriodSeconds: 30,
        nmae: 'typo',
      });
      return m;
    },
    want: ['metadata.nmae'],
  },
  {
    name: 'Docker labels on the run are a free map',
    make: () => {
      const m = runJob();
      m.spec.run.labels = { 'any.key/here': 'v' };
      return m;
    },
    want: [],
  },
  {
    name: 'status fields',
    make: () => {
      const m = runJob();
      m.status = {
        activeCount: 1,
        lastRun: { name: 'r', scheduledTime: 't', result: 'Failed', extra: 1 },
        junk: 2,
      };
      return m;
    },
    want: ['status.junk', 'status.lastRun.extra'],
  },
  {
    name: 'prototype names are not known fields',
    make: () => {
      const m: Manifest = runJob();
      m.spec.constructor = 'x';
      m.spec.toString = 'y';
      return m;
    },
    want: ['spec.constructor', 'spec.toString'],
  },
];

for (const c of cases) {
  test(`unknown fields: ${c.name}`, () => {
    assert.deepEqual(findUnknownFields(c.make()), c.want);
  });
}

test('the list is bounded', () => {
  const m = runJob();
  for (let i = 0; i < 1000; i++) m.spec[`x${i}`] = i;
  assert.equal(findUnknownFields(m).length, MAX_UNKNOWN_FIELDS);
});
