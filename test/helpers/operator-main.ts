/**
 * A controller process for end-to-end tests: the real ControllerManager, JobRunner, Docker pool
 * and leftover adoption (orphan removal included), against the API server named by a kubeconfig.
 * The API server runs in the test process, so it survives when this one is killed with SIGKILL.
 * The operator instance defaults, as in cluster mode, to a hash of the API server's URL: processes
 * of one test (restarts, replicas) share it, and other tests' operators on the same Docker daemon
 * (other API servers) never see, adopt or remove its containers.
 *
 * Configuration comes from argv (JSON), read once here:
 *   node --import tsx test/helpers/operator-main.ts '{"kubeconfig":"...","identity":"a",...}'
 * Logs go to stdout as JSON lines (pino); SIGTERM shuts down gracefully.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { poolLeftoverSource } from '../../src/controller/adoption.ts';
import { ControllerManager } from '../../src/controller/manager.ts';
import { localDaemonConfig } from '../../src/docker/config.ts';
import { DockerPool } from '../../src/docker/pool.ts';
import { makeKubeClients } from '../../src/kube/clients.ts';
import { KubeSecretSource } from '../../src/kube/kube-secret-source.ts';
import { FileResultJournal } from '../../src/kube/result-journal.ts';
import { createLogger } from '../../src/log/logger.ts';
import { clusterInstanceId } from '../../src/operator/instance-id.ts';
import { JobRunner } from '../../src/runner/job-runner.ts';
import { systemClock } from '../../src/util/clock.ts';

export interface OperatorProcessConfig {
  kubeconfig: string;
  identity: string;
  nodeName?: string;
  leaderElection?: {
    leaseName: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
  shutdownGraceMs?: number;
  maxConcurrentRunsPerDaemon?: number;
  /** The operator instance (default: derived from the API server URL). */
  instance?: string;
  /** Keep run results in this directory until written (the product's --results-dir). */
  resultsDir?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as OperatorProcessConfig;
const log = createLogger({ level: 'debug', format: 'json', sync: true });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(config.kubeconfig);
const instance =
  config.instance ?? clusterInstanceId(kubeConfig.getCurrentCluster()?.server ?? '', undefined);
const pool = new DockerPool([localDaemonConfig()], {}, { log });
const runner = new JobRunner({
  pool,
  instance,
  log,
  sink: { line() {} },
  secrets: new KubeSecretSource({ clients: makeKubeClients(kubeConfig), clock: systemClock }),
});
const results = config.resultsDir ? FileResultJournal.open(config.resultsDir) : undefined;
const manager = new ControllerManager({
  results,
  kubeConfig,
  executor: runner,
  instance,
  leftovers: poolLeftoverSource(pool),
  logger: log.child({ replica: config.identity }),
  registry: new Registry(),
  nodeName: config.nodeName,
  maxConcurrentRunsPerDaemon: config.maxConcurrentRunsPerDaemon,
  leaderElection: config.leaderElection
    ? { enabled: true, namespace: 'default', identity: config.identity, ...config.leaderElection }
    : undefined,
});

// The product's HTTP endpoint keeps its process alive; here nothing else would while the API
// server is down (every timer of the controller is unref'd), and the process would just end.
const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  if (stopping) return;
  stopping = true;
  void manager
    .shutdown(config.shutdownGraceMs ?? 5000)
    .then(() => {
      results?.close();
      pool.close();
      process.exit(0);
    })
    .catch((error: unknown) => {
      log.error({ error: String(error) }, 'shutdown failed');
      process.exit(1);
    });
});

await manager.start();
log.info({ identity: config.identity, instance }, 'operator started');
