import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../../src/api/schema.ts';
import { applyFinishedRun } from '../../../src/controller/run-history.ts';

const limits = { successfulRunsHistoryLimit: 3, failedRunsHistoryLimit: 3 };
const record = (name: string, result: RunRecord['result']): RunRecord => ({
  name,
  scheduledTime: '2026-01-01T00:00:00.000Z',
  finishTime: '2026-01-01T00:00:01.000Z',
  result,
});

const cases: Array<{
  name: string;
  result: RunRecord['result'];
  want: { succeeded: number; failed: number };
}> = [
  { name: 'a success counts as succeeded', result: 'Succeeded', want: { succeeded: 1, failed: 0 } },
  { name: 'a failure counts as failed', result: 'Failed', want: { succeeded: 0, failed: 1 } },
  { name: 'a cancelled run is neither', result: 'Cancelled', want: { succeeded: 0, failed: 0 } },
  {
    name: 'an Unknown run (its replica was lost) is neither: nobody saw it end',
    result: 'Unknown',
    want: { succeeded: 0, failed: 0 },
  },
];
for (const c of cases) {
  test(`applyFinishedRun: ${c.name}`, () => {
    const fields = applyFinishedRun({}, record('r1', c.result), limits);
    assert.equal(fields?.lastResult, c.result);
    assert.equal(fields?.counters?.succeeded, c.want.succeeded);
    assert.equal(fields?.counters?.failed, c.want.failed);
    assert.deepEqual(
      fields?.recentRuns?.map((r) => r.name),
      ['r1'],
    );
  });
}
