import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { SchedulerMetrics } from '../../../src/metrics/scheduler-metrics.ts';

async function series(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`));
}

test('runs by job and result are counted per job and dropped with the job', async () => {
  const registry = new Registry();
  const m = new SchedulerMetrics(registry);
  m.jobRunFinished('ops', 'backup', 'Succeeded');
  m.jobRunFinished('ops', 'backup', 'Succeeded');
  m.jobRunFinished('ops', 'backup', 'Failed');
  m.jobRunFinished('ops', 'report', 'Succeeded');
  m.nextScheduleTime.set({ namespace: 'ops', job: 'backup' }, 1_800_000_000);

  assert.deepEqual(await series(registry, 'ofelia_job_runs_total'), [
    'ofelia_job_runs_total{namespace="ops",job="backup",result="Succeeded"} 2',
    'ofelia_job_runs_total{namespace="ops",job="backup",result="Failed"} 1',
    'ofelia_job_runs_total{namespace="ops",job="report",result="Succeeded"} 1',
  ]);

  m.forgetJob('ops', 'backup');
  assert.deepEqual(await series(registry, 'ofelia_job_runs_total'), [
    'ofelia_job_runs_total{namespace="ops",job="report",result="Succeeded"} 1',
  ]);
  assert.deepEqual(await series(registry, 'ofelia_next_schedule_time_seconds'), []);
});
