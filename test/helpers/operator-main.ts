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
import { FileResultJournal } from '../../src/kube/result-journal.ts';
import { type LabelSource, ownerFor, startDockerLabelSource } from '../../src/labels/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { NotifyMetrics } from '../../src/metrics/notify-metrics.ts';
import { NotifierController } from '../../src/notify/notifier-controller.ts';
import { httpsOperatorApi } from '../../src/operator/https-api.ts';
import { clusterInstanceId } from '../../src/operator/instance-id.ts';
import { JobRunner } from '../../src/runner/job-runner.ts';
import { securityPolicy } from '../../src/runner/policy/index.ts';
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
  /** --allow-local-jobs. */
  allowLocalJobs?: boolean;
  /** --docker-labels: the live label source, with its namespace and resync period (needs nodeName). */
  dockerLabels?: { namespace: string; resyncMs: number };
  /** Keep run results in this directory until written (the product's --results-dir). */
  resultsDir?: string;
  /** JobNotifiers: the folders `save` may write into, the dashboard link base. */
  notify?: { saveDirs?: string[]; dashboardUrl?: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as OperatorProcessConfig;
const log = createLogger({ level: 'debug', format: 'json', sync: true });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(config.kubeconfig);
const instance =
  config.instance ?? clusterInstanceId(kubeConfig.getCurrentCluster()?.server ?? '', undefined);
const pool = new DockerPool([localDaemonConfig()], {}, { log });
// Over HTTPS with client-node, as the operator in cluster mode.
const api = httpsOperatorApi(kubeConfig, systemClock);
const runner = new JobRunner({
  pool,
  instance,
  log,
  sink: { line() {} },
  hostAccess: { allowLocalJobs: config.allowLocalJobs === true },
  // As the operator does with --docker-labels: labelled containers opted in to their own jobs.
  ...(config.dockerLabels
    ? { policy: securityPolicy({ ofeliaLabelsNamespace: config.dockerLabels.namespace }) }
    : {}),
  secrets: api.secrets(),
});
const results = config.resultsDir ? FileResultJournal.open(config.resultsDir) : undefined;
const manager = new ControllerManager({
  results,
  api: api.controller,
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
let labels: LabelSource | undefined;
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  if (stopping) return;
  stopping = true;
  void Promise.resolve(labels?.stop())
    .then(() => manager.shutdown(config.shutdownGraceMs ?? 5000))
    .then(async () => {
      for (const part of [...notifierParts].reverse()) await part.stop();
      results?.close();
      pool.close();
      process.exit(0);
    })
    .catch((error: unknown) => {
      log.error({ error: String(error) }, 'shutdown failed');
      process.exit(1);
    });
});

// JobNotifiers, as the operator wires them: the informer synced before the controller starts.
const notifier = new NotifierController({
  api: api.notifiers,
  events: api.notifierEvents,
  secrets: api.secrets(),
  clock: systemClock,
  logger: log.child({ replica: config.identity }),
  metrics: new NotifyMetrics(new Registry()),
  saveDirs: config.notify?.saveDirs ?? [],
  dashboardBaseUrl: config.notify?.dashboardUrl,
  resyncMs: 2_000,
});
manager.runEvents.subscribe(notifier);
const notifierParts = notifier.runnables();
for (const part of notifierParts) await part.start();
await manager.start();
if (config.dockerLabels) {
  const nodeName = config.nodeName ?? config.identity;
  labels = await startDockerLabelSource({
    daemon: pool.get(),
    stores: await api.labelStores(config.dockerLabels.namespace, ownerFor(nodeName)),
    namespace: config.dockerLabels.namespace,
    nodeName,
    resyncMs: config.dockerLabels.resyncMs,
    clock: systemClock,
    log: log.child({ component: 'docker-labels' }),
  });
}
log.info({ identity: config.identity, instance }, 'operator started');
