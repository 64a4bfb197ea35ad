/**
 * No run result is lost (issue 9): results of runs that finished while the API server was down,
 * and results still pending in the status writer when the operator was killed (SIGKILL) or stopped
 * (SIGTERM, its flush timing out against the down server), appear in the job's status once the
 * server is back and the operator starts again with the same results directory — none missing,
 * none counted twice.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileResultJournal } from '../../src/kube/result-journal.ts';
import {
  applyJob,
  getJob,
  jobManifest,
  type OperatorProcess,
  useControllerEnv,
  waitFor,
} from '../helpers/operator.ts';

const env = useControllerEnv();
const { kubectl } = env;
const JOB = 'keeper';

/** Every run the process logged as finished, by run name, with its result. */
function finishedRuns(op: OperatorProcess): Map<string, string> {
  const runs = new Map<string, string>();
  for (const line of op.lines) {
    if (!line.includes('"run finished"')) continue;
    const entry = JSON.parse(line) as { run?: string; result?: string; job?: string };
    if (entry.job === JOB && entry.run && entry.result) runs.set(entry.run, entry.result);
  }
  return runs;
}

/** Resolves once `op` has logged `n` more finished runs of the job than `before` lists. */
function moreFinished(op: OperatorProcess, before: number, n: number): Promise<unknown> {
  return waitFor(`${n} runs finished`, async () => finishedRuns(op).size >= before + n, 30_000).catch(
    (e: Error) => {
      throw new Error(`${e.message}\n${op.lines.slice(-30).join('\n')}`);
    },
  );
}

test('results of runs finished during an API outage and pending at SIGKILL or SIGTERM reach the status after restart, once each', async (t) => {
  const resultsDir = await mkdtemp(join(tmpdir(), 'ofelia-results-'));
  t.after(() => rm(resultsDir, { recursive: true, force: true }));
  const ops: OperatorProcess[] = [];
  const start = async (identity: string) => {
    const op = env.startOperator({ identity, resultsDir, shutdownGraceMs: 5_000 });
    ops.push(op);
    await op.waitForLog(/operator started/, { timeoutMs: 30_000 });
    return op;
  };

  // 1. Runs every 2 s, each recorded while the API server is up.
  const first = await start('first');
  await applyJob(
    kubectl,
    jobManifest(
      JOB,
      {
        schedule: '*/2 * * * * *',
        concurrencyPolicy: 'Allow',
        successfulRunsHistoryLimit: 100,
        failedRunsHistoryLimit: 100,
      },
      { command: 'true' },
    ),
  );
  await waitFor(
    'a first run in status',
    async () => ((await getJob(kubectl, JOB))?.status?.recentRuns?.length ?? 0) > 0,
  );

  // 2. The API server goes down; runs go on and finish; their results cannot be written. Then
  //    the operator is killed: what it still held in memory is gone with it.
  await env.api.stop();
  await moreFinished(first, finishedRuns(first).size, 2);
  await first.kill();
  await env.api.start();

  // 3. A second process writes them. The server goes down again; more runs finish; SIGTERM: the
  //    status flush times out and the process exits with results unwritten.
  const second = await start('second');
  await waitFor('the results of the killed process replayed', async () =>
    second.lines.some((l) => l.includes('run results of an earlier process replayed')),
  );
  await env.api.stop();
  const finishedBeforeOutage = new Set(finishedRuns(second).keys());
  await moreFinished(second, finishedBeforeOutage.size, 2);
  assert.equal(await second.stop(60_000), 0);
  // What the writer could not write is in the journal (read before the next start replays it).
  const left = FileResultJournal.open(resultsDir);
  const pendingAtExit = left.pending().map((p) => p.record.name);
  left.close();
  for (const run of [...finishedRuns(second).keys()].filter((r) => !finishedBeforeOutage.has(r))) {
    assert.ok(pendingAtExit.includes(run), `${run} (finished during the outage) was pending at SIGTERM`);
  }
  await env.api.start();

  // 4. A third process: everything finished before shows up; then the job is suspended and the
  //    counters must equal the distinct finished runs.
  const third = await start('third');
  const r = await kubectl(['patch', 'sdj', JOB, '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  assert.equal(r.code, 0, r.stderr);
  let last: unknown;
  const job = await waitFor(
    'every finished run in status, nothing active',
    async () => {
      const j = await getJob(kubectl, JOB);
      const finished = new Map<string, string>();
      for (const op of ops) for (const [run, result] of finishedRuns(op)) finished.set(run, result);
      const inStatus = new Set((j?.status?.recentRuns ?? []).map((x) => x.name));
      const missing = [...finished.keys()].filter((run) => !inStatus.has(run));
      last = { missing, status: j?.status };
      return missing.length === 0 && (j?.status?.activeCount ?? 0) === 0 && { j, finished };
    },
    60_000,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${JSON.stringify(last)}`);
  });

  const runs = job.j?.status?.recentRuns ?? [];
  const names = runs.map((x) => x.name);
  assert.equal(new Set(names).size, names.length, `no run twice in recentRuns: ${names.join(', ')}`);
  const results = [...job.finished.values()];
  const counters = job.j?.status?.counters;
  assert.equal(
    counters?.succeeded,
    results.filter((x) => x === 'Succeeded').length,
    'each success counted once',
  );
  assert.equal(
    counters?.failed,
    results.filter((x) => x !== 'Succeeded' && x !== 'Cancelled').length,
    'each failure counted once',
  );
  await kubectl(['delete', 'sdj', JOB, '--wait=true', '--timeout=30s']);
  assert.equal(await third.stop(), 0);
  // Every result settled: nothing left for a next start.
  const journal = FileResultJournal.open(resultsDir);
  assert.equal(journal.pendingCount, 0);
  journal.close();
});
