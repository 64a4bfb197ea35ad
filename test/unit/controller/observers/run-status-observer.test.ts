import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../../../src/api/schema.ts';
import { JobState } from '../../../../src/controller/job-state.ts';
import { recordingRunEvents } from '../../../helpers/run-events.ts';

function finish(record: RunRecord, node: string | undefined) {
  const { bus, writes } = recordingRunEvents();
  const state = new JobState('default', 'job', 'u1', {});
  state.node = node;
  bus.publish({
    type: 'Finished',
    job: state,
    atMs: 0,
    record,
    trigger: 'Schedule',
    attempt: 1,
    previousResult: undefined,
  });
  const last = writes.at(-1)?.patch.lastRun;
  assert.ok(last, 'the finished run is written to status.lastRun');
  return last;
}

const record: RunRecord = {
  name: 'job-1',
  scheduledTime: '2026-12-05T04:00:00Z',
  finishTime: '2026-12-05T04:00:01Z',
  result: 'Succeeded',
};

test('a finished run is stamped with the node of the replica that ran it', () => {
  assert.equal(finish(record, 'node-a').node, 'node-a');
});

test('a record that already names its node (replayed from the result journal) keeps it', () => {
  assert.equal(finish({ ...record, node: 'node-b' }, 'node-a').node, 'node-b');
});

test('without a node name (a replica that was given none) the record has no node', () => {
  assert.equal(finish(record, undefined).node, undefined);
});
