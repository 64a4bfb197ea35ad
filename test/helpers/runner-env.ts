/**
 * The shared set-up of the runner integration tests: `useRunnerEnv` registers a `before` hook that
 * finds the test Docker daemon and makes a DockerPool on it and a JobRunner (silent logger, output
 * dropped), and an `after` hook that removes the containers of the test's job uid (when given) and
 * closes the pool. With no daemon the hook fails (Docker tests are never skipped).
 * It never removes containers it was not told about, and never touches images.
 */
import { after, before } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../src/api/run-identity.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { RunMetrics } from '../../src/metrics/run-metrics.ts';
import { JobRunner } from '../../src/runner/job-runner.ts';
import { type SecretSource, StaticSecretSource } from '../../src/runner/secret-source.ts';
import { testDocker } from './docker.ts';

export interface RunnerEnvOptions {
  /** The operator instance the runner labels its containers with. */
  instance: string;
  /** The Secrets and ConfigMaps runs read; called after `setup`, so they may use what it made. */
  secrets?: () => SecretSource;
  metrics?: RunMetrics;
  /** Runs once the daemon is found, before the pool and runner are made (test containers, a registry). */
  setup?: (docker: Docker) => Promise<void>;
  /** At the end, every container labelled with this job uid is removed, whatever the test left. */
  removeContainersOfJobUid?: string;
}

/** Read its fields inside tests and hooks only: they are set by the `before` hook. */
export interface RunnerEnv {
  /** The daemon's client. */
  readonly docker: Docker;
  readonly pool: DockerPool;
  readonly runner: JobRunner;
}

export function useRunnerEnv(opts: RunnerEnvOptions): RunnerEnv {
  let docker: Docker | undefined;
  let pool: DockerPool | undefined;
  let runner: JobRunner | undefined;

  before(async () => {
    docker = (await testDocker()).docker;
    await opts.setup?.(docker);
    pool = new DockerPool([localDaemonConfig()], {}, { log: silentLogger() });
    runner = new JobRunner({
      pool,
      instance: opts.instance,
      log: silentLogger(),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      sink: { line() {} },
      secrets: opts.secrets?.() ?? new StaticSecretSource(),
    });
  });

  after(async () => {
    const uid = opts.removeContainersOfJobUid;
    if (docker && uid !== undefined) await removeJobContainers(docker, uid);
    pool?.close();
  });

  const made = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useRunnerEnv: ${what} read before the before hook made it`);
    return value;
  };
  return {
    get docker() {
      return made(docker, 'docker');
    },
    get pool() {
      return made(pool, 'pool');
    },
    get runner() {
      return made(runner, 'runner');
    },
  };
}

/** Force-removes every container labelled with the job uid, running or not; one that is already gone is no error. */
export async function removeJobContainers(docker: Docker, jobUid: string): Promise<void> {
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.jobUid}=${jobUid}`] } });
  await Promise.all(
    left.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {}),
    ),
  );
}
