/**
 * What the run benches share: a JobRunner on the local Docker daemon (instance `bench`, no
 * Secrets) and a function that makes one manual run of the test image with fixed args, each at
 * its own scheduled time so no two runs share a container name.
 * In: the job name, the container args, where output lines go. Out: the pool, the runner, the job
 * uid and `runOnce`, which resolves with the run's record (it never rejects: the bench decides
 * what a failed run means). It never closes the pool: the bench does, when it is done.
 */
import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../src/api/schema.ts';
import { ScheduledDockerJobSpecSchema } from '../src/api/schema.ts';
import { localDaemonConfig } from '../src/docker/config.ts';
import { DockerPool } from '../src/docker/pool.ts';
import { silentLogger } from '../src/log/logger.ts';
import { JobRunner } from '../src/runner/job-runner.ts';
import type { OutputSink } from '../src/runner/output-sink.ts';
import { StaticSecretSource } from '../src/runner/secret-source.ts';

/** The image hack/docker-up.sh imports from the static busybox. */
export const BENCH_IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';

export interface BenchRunner {
  readonly pool: DockerPool;
  readonly runner: JobRunner;
  /** The uid of the bench's job: labels every container its runs make. */
  readonly jobUid: string;
  /** One manual run of the job, at the next scheduled time (one second after the previous one). */
  runOnce(): Promise<RunRecord>;
}

export function benchRunner(opts: { jobName: string; args: string[]; sink: OutputSink }): BenchRunner {
  const pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
  const runner = new JobRunner({
    pool,
    instance: 'bench',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
    sink: opts.sink,
  });
  const spec = ScheduledDockerJobSpecSchema.parse({
    schedule: '@manual',
    run: { image: BENCH_IMAGE, args: opts.args, network: 'none', pullPolicy: 'IfNotPresent' },
  });
  const jobUid = randomUUID();
  let seq = 0;
  return {
    pool,
    runner,
    jobUid,
    runOnce: () =>
      runner.run(
        {
          identity: {
            namespace: 'bench',
            jobName: opts.jobName,
            jobUid,
            scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
            attempt: 1,
          },
          trigger: 'Manual',
          spec,
        },
        new AbortController().signal,
      ),
  };
}
