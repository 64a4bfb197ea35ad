/**
 * Dispatching with run-event observers: what the observers cost the dispatcher, and proof that a
 * stuck observer does not slow it down.
 *
 *   node --expose-gc --import tsx bench/dispatch.bench.ts      (or: npm run bench -- dispatch)
 *   JOBS=1000 ROUNDS=50 (defaults: 50,000 runs per scenario)
 *
 * The runner is an instant double (each run resolves at once with a record), so the figures are
 * the dispatcher's own path: admission, slots, tracking, and publishing Scheduled, Started,
 * OutputAvailable and Finished events. Scenarios, each in the same process, interleaved three
 * times (the median of the three is shown):
 * - `no observers` (baseline): an empty bus;
 * - `status+events+metrics`: the three observers the operator registers, on sinks that only count;
 * - `+ stuck queued observer`: the same plus a QueuedObserver whose consumer never returns
 *   (capacity 10,000: it fills, then drops and counts).
 * Per run: CPU time (process.cpuUsage) and the synchronous fire() call's duration p50/p99.
 */
import { Registry } from 'prom-client';
import { runName } from '../src/api/run-identity.ts';
import type { RunRecord, ScheduledDockerJob } from '../src/api/schema.ts';
import { validateScheduledDockerJob } from '../src/api/validate.ts';
import { Dispatcher, type RunExecutor } from '../src/controller/dispatcher.ts';
import { JobEvents } from '../src/controller/job-events.ts';
import { JobState } from '../src/controller/job-state.ts';
import { JobStatusView } from '../src/controller/job-status-view.ts';
import { keepJob } from '../src/controller/kept-job.ts';
import { RunEventRecorder } from '../src/controller/observers/run-event-recorder.ts';
import { RunMetricsObserver } from '../src/controller/observers/run-metrics-observer.ts';
import { RunStatusObserver } from '../src/controller/observers/run-status-observer.ts';
import { QueuedObserver } from '../src/controller/run-events/queued-observer.ts';
import { RunEventBus } from '../src/controller/run-events/run-event-bus.ts';
import { silentLogger } from '../src/log/logger.ts';
import { RunEventMetrics } from '../src/metrics/run-event-metrics.ts';
import { SchedulerMetrics } from '../src/metrics/scheduler-metrics.ts';
import { systemClock } from '../src/util/clock.ts';

const JOBS = Number(process.env.JOBS ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 50);
const gc = (globalThis as { gc?: () => void }).gc;

const instant: RunExecutor = {
  run(req, _signal, hooks) {
    hooks?.onStarted?.({ containerId: 'c', startTime: req.identity.scheduledTime });
    const record: RunRecord = {
      name: runName(req.identity),
      trigger: req.trigger,
      attempt: req.identity.attempt,
      scheduledTime: new Date(req.identity.scheduledTime).toISOString(),
      finishTime: new Date(req.identity.scheduledTime + 1).toISOString(),
      result: 'Succeeded',
      reason: 'Completed',
      exitCode: 0,
    };
    return Promise.resolve(record);
  },
  adopt(_id, req, signal, hooks) {
    return this.run(req, signal, hooks);
  },
};

function job(i: number): ScheduledDockerJob {
  const v = validateScheduledDockerJob({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: `job-${i}`, namespace: 'default', uid: `uid-${i}` },
    spec: { schedule: '* * * * *', run: { image: 'local/busybox:test' }, concurrencyPolicy: 'Allow' },
  });
  if (!v.ok) throw new Error('invalid bench job');
  return v.job;
}

type Scenario = 'no observers' | 'status+events+metrics' | '+ stuck queued observer';

function makeBus(scenario: Scenario): RunEventBus<JobState> {
  const registry = new Registry();
  const bus = new RunEventBus<JobState>(silentLogger(), new RunEventMetrics(registry));
  if (scenario === 'no observers') return bus;
  let writes = 0;
  let events = 0;
  bus.subscribe(new RunStatusObserver(new JobStatusView({ submit: () => void writes++, forget: () => {} })));
  bus.subscribe(new RunEventRecorder(new JobEvents({ record: () => void events++ })));
  bus.subscribe(new RunMetricsObserver(new SchedulerMetrics(registry)));
  if (scenario === '+ stuck queued observer')
    bus.subscribe(
      new QueuedObserver<JobState>({
        name: 'stuck',
        capacity: 10_000,
        logger: silentLogger(),
        consume: () => new Promise<void>(() => {}),
      }),
    );
  return bus;
}

async function measure(scenario: Scenario): Promise<{ cpuUsPerRun: number; p50Us: number; p99Us: number }> {
  const dispatcher = new Dispatcher({
    executor: instant,
    events: makeBus(scenario),
    clock: systemClock,
    logger: silentLogger(),
    maxConcurrentRunsPerDaemon: JOBS * 2,
    runQueueLimit: JOBS * 2,
  });
  const states = Array.from({ length: JOBS }, (_, i) => {
    const s = new JobState('default', `job-${i}`, `uid-${i}`, {});
    s.job = keepJob(job(i));
    return s;
  });
  gc?.();
  const fireUs: number[] = [];
  const base = Date.UTC(2026, 0, 1);
  const cpu0 = process.cpuUsage();
  for (let round = 0; round < ROUNDS; round++) {
    const scheduledMs = base + round * 60_000;
    for (const state of states) {
      const t0 = performance.now();
      dispatcher.fire(state, { scheduledMs, trigger: 'Schedule', attempt: 1, dueMs: scheduledMs });
      fireUs.push((performance.now() - t0) * 1000);
    }
    // Let the runs finish (their records and Finished events) before the next round.
    while (dispatcher.activeCount > 0) await new Promise((r) => setImmediate(r));
  }
  const cpu = process.cpuUsage(cpu0);
  fireUs.sort((a, b) => a - b);
  const at = (q: number) => fireUs[Math.min(fireUs.length - 1, Math.floor(q * fireUs.length))]!;
  return { cpuUsPerRun: (cpu.user + cpu.system) / (JOBS * ROUNDS), p50Us: at(0.5), p99Us: at(0.99) };
}

const scenarios: Scenario[] = ['no observers', 'status+events+metrics', '+ stuck queued observer'];
const results = new Map<Scenario, { cpuUsPerRun: number; p50Us: number; p99Us: number }[]>();
await measure('status+events+metrics'); // warm-up
for (let rep = 0; rep < 3; rep++)
  for (const s of scenarios) {
    const r = await measure(s);
    results.set(s, [...(results.get(s) ?? []), r]);
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(results.get('no observers')!.map((r) => r.cpuUsPerRun));
console.log(`${JOBS} jobs x ${ROUNDS} rounds = ${JOBS * ROUNDS} runs per scenario (median of 3)\n`);
console.log('| scenario | CPU per run (µs) | vs baseline | fire() p50 (µs) | fire() p99 (µs) |');
console.log('|---|---:|---:|---:|---:|');
for (const s of scenarios) {
  const rs = results.get(s)!;
  const cpu = median(rs.map((r) => r.cpuUsPerRun));
  console.log(
    `| ${s} | ${cpu.toFixed(1)} | ${(cpu / base).toFixed(2)}x | ${median(rs.map((r) => r.p50Us)).toFixed(1)} | ${median(rs.map((r) => r.p99Us)).toFixed(1)} |`,
  );
}
