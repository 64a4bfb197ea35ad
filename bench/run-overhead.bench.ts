/**
 * What the engine adds to a run: 100 busybox runs (`true`) through JobRunner (policy, image
 * check, create with labels, start, logs + wait streams, remove) against a bare dockerode
 * create/start/wait/remove sequence, interleaved in batches of 10. Reports wall time per run, the
 * ratio, and operator CPU per run (process.cpuUsage). Target: < 5% more wall time.
 *   node --expose-gc --import tsx bench/run-overhead.bench.ts
 */
import Docker from 'dockerode';
import { discardSink } from '../src/runner/output-sink.ts';
import { BENCH_IMAGE, benchRunner } from './helpers.ts';

const RUNS = 100;
const BATCH = 10;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const { pool, runOnce } = benchRunner({ jobName: 'overhead', args: ['true'], sink: discardSink });

async function engineRun(): Promise<void> {
  const rec = await runOnce();
  if (rec.result !== 'Succeeded') throw new Error(`${rec.result}: ${rec.message}`);
}

async function bareRun(): Promise<void> {
  const c = await docker.createContainer({
    Image: BENCH_IMAGE,
    Cmd: ['true'],
    HostConfig: { NetworkMode: 'none' },
  });
  await c.start();
  const r = (await c.wait()) as { StatusCode: number };
  if (r.StatusCode !== 0) throw new Error(`exit ${r.StatusCode}`);
  await c.remove({ force: true });
}

const totals = { engine: { wall: 0, cpu: 0 }, bare: { wall: 0, cpu: 0 } };
for (let i = 0; i < 3; i++) {
  await engineRun();
  await bareRun();
}
for (let b = 0; b < RUNS / BATCH; b++) {
  const order: ('engine' | 'bare')[] = b % 2 === 0 ? ['engine', 'bare'] : ['bare', 'engine'];
  for (const which of order) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) await (which === 'engine' ? engineRun() : bareRun());
    totals[which].wall += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    totals[which].cpu += (cpu.user + cpu.system) / 1000;
  }
}
const row = (name: string, t: { wall: number; cpu: number }) =>
  `| ${name} | ${(t.wall / RUNS).toFixed(1)} | ${(t.wall / totals.bare.wall).toFixed(3)} | ${(t.cpu / RUNS).toFixed(2)} |`;
console.log(`${RUNS} sequential runs of \`true\` each, interleaved in batches of ${BATCH}\n`);
console.log('| path | wall ms per run | ratio vs bare | operator CPU ms per run |');
console.log('|---|---:|---:|---:|');
console.log(row('bare dockerode create/start/wait/remove', totals.bare));
console.log(row('JobRunner.run (engine)', totals.engine));
console.log(
  `\nengine overhead: ${((totals.engine.wall / totals.bare.wall - 1) * 100).toFixed(1)}% wall time (target < 5%)`,
);
pool.close();
