/**
 * Status writes under load: 10,000 ScheduledDockerJobs on the embedded API server, each running
 * once a minute, with a no-op executor (a legitimate benchmark double: every run ends the moment
 * it starts, so only the status path is measured). The minute is compressed to RUN_WINDOW_S
 * seconds: every job's run starts (urgent change: active + lastScheduleTime) and ends (run record,
 * counters) at an evenly spread moment of the window.
 *
 *   node --expose-gc --import tsx bench/status-writes.bench.ts     (or: npm run bench -- status-writes)
 *   JOBS=10000 RUN_WINDOW_S=12 DRAIN_S=12 (defaults; about 110 s in all)
 *
 * Rows, in the same run against the same server and objects:
 * - status writer at the default 20 writes/s (coalescing per object, rate limit, urgent first);
 * - status writer at 200 writes/s;
 * - baseline: one direct merge patch per change, unthrottled (32 in flight).
 * "Visible" is measured by a watch on the server: from the run's end to the first watch event
 * whose status carries that run as lastRun. Runs not visible when the phase ends are reported as
 * such, not guessed.
 */
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { StatusPatch } from '../src/api/job-reporting.ts';
import { GROUP, PLURAL, VERSION } from '../src/api/schema.ts';
import { makeKubeClients, withTimeout } from '../src/kube/clients.ts';
import { kubeStatusPatch } from '../src/kube/kube-status-patch.ts';
import { StatusWriter } from '../src/kube/status-writer.ts';
import { silentLogger } from '../src/log/logger.ts';
import { TokenBucket } from '../src/machinery/token-bucket.ts';
import { systemClock } from '../src/util/clock.ts';
import { startTestApiServer } from '../test/helpers/apiserver.ts';

const JOBS = Number(process.env.JOBS ?? 10_000);
const RUN_WINDOW_S = Number(process.env.RUN_WINDOW_S ?? 12);
const DRAIN_S = Number(process.env.DRAIN_S ?? 12);
const NS = 'default';

const api = await startTestApiServer();
const kc = new KubeConfig();
kc.loadFromFile(api.kubeconfig);
const clients = makeKubeClients(kc);

// ---- 10,000 jobs --------------------------------------------------------------------------------
const createStart = performance.now();
let nextJob = 0;
async function creator(): Promise<void> {
  while (nextJob < JOBS) {
    const i = nextJob++;
    await clients.customObjects.createNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: NS,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'ScheduledDockerJob',
          metadata: { name: `job-${i}` },
          spec: { schedule: '* * * * *', run: { image: 'local/busybox:test' } },
        },
      },
      withTimeout(30_000),
    );
  }
}
await Promise.all(Array.from({ length: 32 }, creator));
const createSeconds = (performance.now() - createStart) / 1000;
process.stderr.write(`created ${JOBS} jobs in ${createSeconds.toFixed(1)} s\n`);

// ---- visibility through a watch ----------------------------------------------------------------
/** run name -> end time (performance.now) */
const ended = new Map<string, number>();
const visibleDelays: number[] = [];
let watchEvents = 0;
const watch = new Watch(kc);
const list = (await clients.customObjects.listNamespacedCustomObject(
  { group: GROUP, version: VERSION, plural: PLURAL, namespace: NS, limit: 1 },
  withTimeout(60_000),
)) as { metadata?: { resourceVersion?: string } };
let lastRv = list.metadata?.resourceVersion ?? '0';
let watchRequest: AbortController | undefined;
let watching = true;
let watchRestarts = 0;
/** A watch that resumes from the last resourceVersion whenever the stream ends. */
async function startWatch(): Promise<void> {
  watchRequest = await watch.watch(
    `/apis/${GROUP}/${VERSION}/namespaces/${NS}/${PLURAL}`,
    { resourceVersion: lastRv, allowWatchBookmarks: true },
    (
      type: string,
      obj: { metadata?: { resourceVersion?: string }; status?: { lastRun?: { name?: string } } },
    ) => {
      if (obj.metadata?.resourceVersion) lastRv = obj.metadata.resourceVersion;
      if (type !== 'MODIFIED') return;
      watchEvents++;
      const run = obj.status?.lastRun?.name;
      if (!run) return;
      const at = ended.get(run);
      if (at === undefined) return;
      ended.delete(run);
      visibleDelays.push(performance.now() - at);
    },
    () => {
      if (!watching) return;
      watchRestarts++;
      setTimeout(() => void startWatch(), 50);
    },
  );
}
await startWatch();

// ---- phases ------------------------------------------------------------------------------------
type Submit = (job: number, patch: StatusPatch, urgent: boolean) => void;

interface Phase {
  name: string;
  make(): { submit: Submit; writes(): number; settle(): Promise<void> };
}

function writerPhase(name: string, perSecond: number): Phase {
  return {
    name,
    make() {
      let writes = 0;
      const patch = kubeStatusPatch(clients);
      const writer = new StatusWriter({
        patch: async (key, p) => {
          writes++;
          await patch(key, p);
        },
        clock: systemClock,
        logger: silentLogger(),
        bucket: new TokenBucket({ ratePerSecond: perSecond, burst: perSecond, clock: systemClock }),
      });
      return {
        submit: (job, p, urgent) => writer.submit({ namespace: NS, name: `job-${job}` }, p, { urgent }),
        writes: () => writes,
        settle: async () => {
          writer.stop();
        },
      };
    },
  };
}

const baseline: Phase = {
  name: 'baseline: direct patch per change, unthrottled',
  make() {
    let writes = 0;
    let failures = 0;
    const patch = kubeStatusPatch(clients);
    const queue: (() => Promise<void>)[] = [];
    let inFlight = 0;
    let stopped = false;
    const pump = () => {
      while (!stopped && inFlight < 32 && queue.length > 0) {
        const call = queue.shift()!;
        inFlight++;
        writes++;
        void call()
          .catch((e: unknown) => {
            failures++;
            if (failures === 1) process.stderr.write(`baseline patch failed: ${String(e)}\n`);
          })
          .finally(() => {
            inFlight--;
            pump();
          });
      }
    };
    return {
      submit: (job, p) => {
        // The embedded server answers concurrent patches of one object with 409 (a real API server
        // retries inside); a direct client re-sends at once, up to 5 times.
        const send = async (attempt: number): Promise<void> => {
          try {
            await patch({ namespace: NS, name: `job-${job}` }, p);
          } catch (e) {
            if ((e as { code?: number }).code !== 409 || attempt >= 5) throw e;
            writes++;
            await send(attempt + 1);
          }
        };
        queue.push(() => send(1));
        pump();
      },
      writes: () => writes,
      settle: async () => {
        stopped = true;
      },
    };
  },
};

interface Row {
  name: string;
  runs: number;
  writes: number;
  writesPerSecond: number;
  visible: number;
  p50: number;
  p99: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0);

async function runPhase(phase: Phase, index: number): Promise<Row> {
  ended.clear();
  visibleDelays.length = 0;
  const target = phase.make();
  const started = performance.now();
  const windowMs = RUN_WINDOW_S * 1000;
  const spacing = windowMs / JOBS;
  const scheduled = Date.UTC(2026, 0, 1, 0, index);
  let fired = 0;
  // Fire runs on a 10 ms tick, each at its slot of the window.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(JOBS, Math.floor((performance.now() - started) / spacing) + 1);
      for (; fired < due; fired++) {
        const name = `job-${fired}-${index}`;
        const iso = new Date(scheduled).toISOString();
        target.submit(
          fired,
          { active: [{ name, scheduledTime: iso }], activeCount: 1, lastScheduleTime: iso },
          true,
        );
        // The no-op executor: the run ends as it starts.
        const record = {
          name,
          trigger: 'Schedule' as const,
          attempt: 1,
          scheduledTime: iso,
          finishTime: iso,
          result: 'Succeeded' as const,
        };
        ended.set(name, performance.now());
        target.submit(
          fired,
          {
            active: null,
            activeCount: 0,
            lastRun: record,
            lastResult: 'Succeeded',
            recentRuns: [record],
            lastSuccessfulTime: iso,
          },
          false,
        );
      }
      if (fired >= JOBS) resolve();
      else setTimeout(tick, 10);
    };
    tick();
  });
  const deadline = started + (RUN_WINDOW_S + DRAIN_S) * 1000;
  while (performance.now() < deadline && ended.size > 0) await new Promise((r) => setTimeout(r, 100));
  const elapsed = (performance.now() - started) / 1000;
  const writes = target.writes();
  await target.settle();
  const sorted = [...visibleDelays].sort((a, b) => a - b);
  return {
    name: phase.name,
    runs: fired,
    writes,
    writesPerSecond: writes / elapsed,
    visible: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

const rows: Row[] = [];
const phases = [
  writerPhase('status writer, 20 writes/s (default)', 20),
  writerPhase('status writer, 200 writes/s', 200),
  baseline,
];
for (const [i, phase] of phases.entries()) {
  rows.push(await runPhase(phase, i));
  process.stderr.write(`${phase.name}: done\n`);
  await new Promise((r) => setTimeout(r, 2000)); // let the previous phase's in-flight writes land
}
watching = false;
watchRequest?.abort();
await api.close();

const base = rows[rows.length - 1]!;
const fmt = (ms: number) =>
  Number.isNaN(ms) ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
console.log(
  `\n${JOBS} jobs, each run once in a ${RUN_WINDOW_S} s window (a compressed minute), ${DRAIN_S} s more to drain; created in ${createSeconds.toFixed(1)} s\n`,
);
console.log(
  '| scenario | runs | status writes | writes/s | vs baseline | runs visible | visible p50 | visible p99 |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.runs} | ${r.writes} | ${r.writesPerSecond.toFixed(1)} | ${(r.writesPerSecond / base.writesPerSecond).toFixed(2)}x | ${r.visible} (${((100 * r.visible) / r.runs).toFixed(0)}%) | ${fmt(r.p50)} | ${fmt(r.p99)} |`,
  );
}
console.log(`\nwatch events seen: ${watchEvents} (watch resumed ${watchRestarts} times)`);
process.exit(0);
