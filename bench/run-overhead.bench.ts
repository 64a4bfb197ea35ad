/**
 * What the engine adds to a run: 100 busybox runs (`true`) through JobRunner (policy, image
 * check, create with labels, start, logs + wait streams, remove) against a bare dockerode
 * create/start/wait/remove sequence, interleaved in batches of 10. Reports wall time per run, the
 * ratio, and operator CPU per run (process.cpuUsage). Target: < 5% more wall time.
 *   node --expose-gc --import tsx bench/run-overhead.bench.ts
 */
import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { ScheduledDockerJobSpecSchema } from '../src/api/schema.ts';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { JobRunner } from '../src/runner/job-runner.ts';
import { discardSink } from '../src/runner/output-sink.ts';
import { StaticSecretSource } from '../src/runner/secret-source.ts';

const IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';
const RUNS = 100;
const BATCH = 10;
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
const runner = new JobRunner({
  pool,
  instance: 'bench',
  log: silentLogger(),
  secrets: new StaticSecretSource(),
  sink: discardSink,
});
const spec = ScheduledDockerJobSpecSchema.parse({
  schedule: '@manual',
  run: { image: IMAGE, args: ['true'], network: 'none', pullPolicy: 'IfNotPresent' },
});
const uid = randomUUID();
let seq = 0;

async function engineRun(): Promise<void> {
  const rec = await runner.run(
    {
      identity: {
        namespace: 'bench',
        jobName: 'overhead',
        jobUid: uid,
        scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
        attempt: 1,
      },
      trigger: 'Manual',
      spec,
    },
    new AbortController().signal,
  );
  if (rec.result !== 'Succeeded') throw new Error(`${rec.result}: ${rec.message}`);
}

async function bareRun(): Promise<void> {
  const c = await docker.createContainer({
    Image: IMAGE,
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
