/**
 * What the security policy costs a run. (1) The pure core: evaluatePolicy on a job with a named
 * volume, a bind mount and a securityContext, against a loop that only builds the same question
 * (the baseline), per call. (2) With the real daemon: 40 busybox runs (`true`) mounting a named
 * volume and a read-only bind mount under baseline (looks up the volume, resolves the bind source
 * and the prefix) against the same runs under the privileged level (no look-ups), interleaved in
 * batches of 10. Reports wall time per run and the difference.
 *   node --expose-gc --import tsx bench/policy.bench.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ScheduledDockerJobSpecSchema } from '../src/api/schema.ts';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { JobRunner } from '../src/runner/job-runner.ts';
import { discardSink } from '../src/runner/output-sink.ts';
import { evaluatePolicy, type PolicyFacts, securityPolicy } from '../src/runner/policy/index.ts';
import { StaticSecretSource } from '../src/runner/secret-source.ts';
import { BENCH_IMAGE } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'ofelia-policy-bench-'));
const volume = `bench_policy-${randomUUID().slice(0, 8)}`;
const spec = ScheduledDockerJobSpecSchema.parse({
  schedule: '@manual',
  run: {
    image: BENCH_IMAGE,
    args: ['true'],
    network: 'none',
    user: '1000',
    securityContext: {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
    volumes: [
      { source: volume, target: '/v' },
      { type: 'bind', source: dir, target: '/d', readOnly: true },
    ],
  },
});

// ---- (1) the pure core
const facts: PolicyFacts = {
  volumes: new Map([[volume, { name: volume, driver: 'local', options: {} }]]),
  bindSources: new Map([[dir, { resolved: dir }]]),
  resolvedPrefixes: new Map([[tmpdir(), tmpdir()]]),
};
const policy = securityPolicy({ level: 'restricted', allowedBindPrefixes: [tmpdir()] });
const CALLS = 200_000;
let sink = 0;
function timeLoop(body: () => unknown): number {
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i++) if (body()) sink++;
  return ((performance.now() - t0) * 1000) / CALLS;
}
timeLoop(() => evaluatePolicy({ spec, namespace: 'bench', policy, facts }).allowed);
const baseUs = timeLoop(() => ({ spec, namespace: 'bench', policy, facts }).policy);
const coreUs = timeLoop(() => evaluatePolicy({ spec, namespace: 'bench', policy, facts }).allowed);

// ---- (2) with the daemon
const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
const runner = (level: 'baseline' | 'privileged') =>
  new JobRunner({
    pool,
    instance: 'bench',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
    sink: discardSink,
    policy: securityPolicy({ level, allowedBindPrefixes: [tmpdir()] }),
  });
const runners = { baseline: runner('baseline'), privileged: runner('privileged') };
const jobUid = randomUUID();
let seq = 0;
async function runOnce(which: keyof typeof runners): Promise<void> {
  const rec = await runners[which].run(
    {
      identity: {
        namespace: 'bench',
        jobName: 'policy',
        jobUid,
        scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
        attempt: 1,
      },
      trigger: 'Manual',
      spec,
    },
    new AbortController().signal,
  );
  if (rec.result !== 'Succeeded') throw new Error(`${which}: ${rec.result} ${rec.reason}: ${rec.message}`);
}

const RUNS = 40;
const BATCH = 10;
const wall = { baseline: 0, privileged: 0 };
try {
  for (let i = 0; i < 2; i++) {
    await runOnce('baseline');
    await runOnce('privileged');
  }
  for (let b = 0; b < RUNS / BATCH; b++) {
    const order: (keyof typeof runners)[] =
      b % 2 === 0 ? ['baseline', 'privileged'] : ['privileged', 'baseline'];
    for (const which of order) {
      const t0 = performance.now();
      for (let i = 0; i < BATCH; i++) await runOnce(which);
      wall[which] += performance.now() - t0;
    }
  }
} finally {
  pool.close();
  await new Docker({ socketPath: '/var/run/docker.sock' })
    .getVolume(volume)
    .remove()
    .catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}

console.log(`(1) the pure core, ${CALLS} calls (${sink > 0 ? 'allowed' : 'denied'})\n`);
console.log('| what | µs per call |');
console.log('|---|---:|');
console.log(`| baseline: build the question only | ${baseUs.toFixed(3)} |`);
console.log(`| evaluatePolicy (restricted, 1 volume, 1 bind, securityContext) | ${coreUs.toFixed(3)} |`);
console.log(
  `\n(2) ${RUNS} runs of \`true\` each with a named volume and a bind mount, interleaved in batches of ${BATCH}\n`,
);
console.log('| level | wall ms per run |');
console.log('|---|---:|');
console.log(`| privileged (no look-ups: the baseline) | ${(wall.privileged / RUNS).toFixed(1)} |`);
console.log(`| baseline (volume inspect + 2 realpath) | ${(wall.baseline / RUNS).toFixed(1)} |`);
console.log(
  `\npolicy look-ups: ${((wall.baseline - wall.privileged) / RUNS).toFixed(1)} ms per run (${((wall.baseline / wall.privileged - 1) * 100).toFixed(1)}%)`,
);
