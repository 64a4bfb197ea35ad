/**
 * The operator's composition root: builds every part from the validated Config and runs them
 * until SIGTERM/SIGINT.
 *
 * Start-up, in order (any failure is a StartupError: one line, exit 1, nothing left running):
 *   metrics registry -> /metrics, /healthz, /readyz -> (embedded) data directory usable ->
 *   Docker pool, every daemon pinged ->
 *   the API connection (embedded: data dir, store, tokens, TLS, API server, kubeconfig; cluster:
 *   the kubeconfig file or the service account) -> the instance id (--instance, else kept in the
 *   data dir, else derived from the cluster) -> runner -> controller (informer synced).
 * Every long-lived part is a Runnable (src/machinery/runnable.ts) in ONE ordered list, the
 * `lifecycle` group below: watchdog, HTTP endpoint, Docker pool, embedded API server, then the
 * controller's parts (informer, leader election, status writer, event recorder, job controller).
 * Shutdown, on the first SIGTERM/SIGINT, stops the list in reverse: the controller stops firing,
 * lets runs in progress finish for up to --shutdown-grace (then cancels them, as the runner does:
 * stop signal, kill, remove), Events and status writes flush, the Lease is released, the informer
 * stops; then the embedded API server and its store close, the Docker pool closes, the HTTP
 * endpoint closes; exit code 0. A failed start stops what was started, in the same order.
 * Never reads process.env (the CLI passed everything in through the Config).
 */
import type { Config } from '../config/index.ts';
import { poolLeftoverSource } from '../controller/adoption.ts';
import { ControllerManager } from '../controller/manager.ts';
import type { ClusterAddress } from '../dashboard/index.ts';
import { DockerPool } from '../docker/pool.ts';
import {
  type Checker,
  checkerFrom,
  EventLoopWatchdog,
  ListenError,
  startObservabilityServer,
} from '../http/index.ts';
import { FileResultJournal, type ResultJournal } from '../kube/result-journal.ts';
import type { Logger } from '../log/logger.ts';
import { runnable } from '../machinery/runnable.ts';
import { RunnableGroup } from '../machinery/runnable-group.ts';
import { createOperatorMetrics } from '../metrics/index.ts';
import { NotifierController } from '../notify/notifier-controller.ts';
import { OutputRecordingExecutor, OutputStore, teeSink } from '../output/index.ts';
import { JobRunner } from '../runner/job-runner.ts';
import { LoggerOutputSink } from '../runner/output-sink.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { operatorVersion } from '../version.ts';
import { type ApiConnectionChoice, clusterApiConnection, embeddedApiConnection } from './api-connection.ts';
import { startDashboardPart } from './dashboard-part.ts';
import { type EmbeddedApi, startEmbeddedApi } from './embedded-mode.ts';
import { StartupError } from './errors.ts';
import { resolveInstance } from './instance-id.ts';
import { listenForShutdown } from './signals.ts';
import { checkDataDir, checkDockerDaemons } from './startup-checks.ts';

/** /healthz fails when the event loop was blocked longer than this. */
const EVENT_LOOP_STALL_MS = 5_000;

export interface OperatorDeps {
  logger: Logger;
  clock?: Clock;
  /** Identity for leader election (default `<node name>_<pid>`). */
  identity?: string;
  /** Resolves when the operator should stop (default: the first SIGTERM or SIGINT). */
  stop?: Promise<unknown>;
}

/** Runs the operator until asked to stop. Resolves with the exit code; throws StartupError. */
export async function runOperator(config: Config, deps: OperatorDeps): Promise<number> {
  const log = deps.logger.child({ component: 'operator' });
  const clock = deps.clock ?? systemClock;
  const signals = deps.stop ? undefined : listenForShutdown(log);
  const stop = deps.stop ?? signals!.received;
  // Every part, in start order; stopped in reverse, on a failed start-up as on shutdown. Parts
  // whose construction needs an earlier part's result are added (and started) step by step.
  const lifecycle = new RunnableGroup('operator', log);

  try {
    const metrics = createOperatorMetrics({
      version: operatorVersion(),
      nodeVersion: process.version,
      embeddedApiServer: config.mode.kind === 'embedded',
    });

    const watchdog = new EventLoopWatchdog({ stallThresholdMs: EVENT_LOOP_STALL_MS });
    lifecycle.add(runnable('event-loop watchdog', { stop: () => watchdog.stop() }));
    let starting = true;
    const startupChecker: Checker = {
      name: 'started',
      check() {
        if (starting) throw new Error('the operator is still starting');
      },
    };
    const http = await startObservabilityServer({
      listen: config.httpListen,
      registry: metrics.registry,
      liveness: [watchdog],
      readiness: [startupChecker],
      logger: deps.logger.child({ component: 'http' }),
    }).catch((e: unknown) => {
      if (e instanceof ListenError)
        throw new StartupError('ListenFailed', `--http-listen: ${e.message}`, { cause: e });
      throw e;
    });
    await lifecycle.add(runnable('http', { stop: () => http.close() })).start();
    log.info({ url: http.url }, 'observability endpoint listening');

    // The data directory first: cheap, local, and the likelier mistake.
    if (config.mode.kind === 'embedded') await checkDataDir(config.mode.dataDir);

    const pool = new DockerPool(config.docker.daemons, config.docker.pool, {
      log: deps.logger,
      metrics: metrics.docker,
      clock,
    });
    await lifecycle.add(runnable('docker pool', { stop: () => pool.close() })).start();
    const pingTimeoutMs = config.docker.pool.connectTimeoutMs + config.docker.pool.headerTimeoutMs;
    await checkDockerDaemons(pool, config.docker.daemons, pingTimeoutMs);
    log.info({ daemons: config.docker.daemons.map((d) => d.name) }, 'Docker daemons reachable');
    for (const d of config.docker.daemons) {
      http.addReadiness({
        name: `docker-${d.name}`,
        async check(signal) {
          const client = pool.get(d.name);
          if (client.breakerState === 'open') throw new Error(`circuit breaker open for daemon "${d.name}"`);
          await client.ping(signal);
        },
      });
    }

    // One choice of API clients for everything that talks to the API server (api-connection.ts):
    // in embedded mode by default in-process, and then client-node is never loaded.
    let connection: ApiConnectionChoice;
    let embedded: EmbeddedApi | undefined;
    /** Where the API server is, for the dashboard: address and CA only. */
    let server: ClusterAddress | undefined;
    let serverUrl: string;
    if (config.mode.kind === 'embedded') {
      embedded = await startEmbeddedApi(config.mode, {
        logger: deps.logger,
        clock,
        metrics: metrics.apiserver,
      });
      const api = embedded;
      await lifecycle.add(runnable('embedded API server', { stop: () => api.close() })).start();
      connection = await embeddedApiConnection(config.mode, embedded, clock);
      server = { server: embedded.url, caData: embedded.connection.caData };
      serverUrl = embedded.url;
    } else {
      const cluster = await clusterApiConnection(config.mode, clock);
      connection = cluster;
      server = cluster.config.getCurrentCluster() ?? undefined;
      serverUrl = cluster.server;
      log.info({ mode: config.mode.kind, server: serverUrl }, 'cluster mode');
    }
    const api = connection.api;

    const instance = await resolveInstance({
      given: config.controller.instance,
      mode: config.mode,
      serverUrl,
      namespace: config.controller.namespace,
    });
    log.info({ instance: instance.id, source: instance.source }, 'operator instance');

    // The full output of recent runs, on disk (src/output); the log still gets every line too.
    let output: OutputStore | undefined;
    if (config.output) {
      try {
        output = OutputStore.open({
          ...config.output,
          log: deps.logger.child({ component: 'output' }),
          metrics: metrics.output,
          clock,
        });
      } catch (e) {
        throw new StartupError(
          'OutputDirUnusable',
          `--output-dir ${config.output.dir}: ${(e as Error).message}`,
          { cause: e },
        );
      }
      const store = output;
      await lifecycle.add(runnable('output store', { stop: () => store.close() })).start();
    }
    const runnerLog = deps.logger.child({ component: 'runner' });
    const runner = new JobRunner({
      pool,
      instance: instance.id,
      secrets: api.secrets(),
      log: runnerLog,
      sink: output ? teeSink(output, new LoggerOutputSink(runnerLog)) : undefined,
      policy: {
        ...config.policy,
        // Containers labelled ofelia.enabled=true opted in to the jobs their labels define.
        ofeliaLabelsNamespace: config.dockerLabels.enabled ? config.dockerLabels.namespace : undefined,
      },
      hostAccess: config.hostAccess,
      metrics: metrics.runs,
      clock,
      tailBytes: config.runs.outputTailBytes,
    });
    let results: ResultJournal | undefined;
    if (config.controller.resultsDir !== undefined) {
      try {
        results = FileResultJournal.open(config.controller.resultsDir);
      } catch (e) {
        throw new StartupError(
          'ResultsDirUnusable',
          `--results-dir ${config.controller.resultsDir}: ${(e as Error).message}`,
          { cause: e },
        );
      }
      const journal = results;
      lifecycle.add(runnable('result journal', { stop: () => journal.close() }));
      log.info({ dir: config.controller.resultsDir, pending: journal.pendingCount }, 'result journal opened');
    }
    const manager = new ControllerManager({
      results,
      api: api.controller,
      executor: new OutputRecordingExecutor(runner, output),
      instance: instance.id,
      leftovers: poolLeftoverSource(pool),
      clock,
      logger: deps.logger,
      metrics: {
        controller: metrics.controller,
        scheduler: metrics.scheduler,
        runEvents: metrics.runEvents,
        cluster: metrics.cluster,
      },
      nodeName: config.controller.nodeName,
      leaderElection: {
        enabled: config.controller.leaderElection.enabled,
        namespace: config.controller.leaderElection.namespace,
        leaseName: config.controller.leaderElection.name,
        identity: deps.identity ?? `${config.controller.nodeName}_${process.pid}`,
      },
      // Cluster mode spreads jobs over the replicas unless leader election is asked for.
      cluster:
        config.mode.kind !== 'embedded' && !config.controller.leaderElection.enabled
          ? {
              namespace: config.controller.leaderElection.namespace,
              identity: deps.identity ?? `${config.controller.nodeName}_${process.pid}`,
              leaseDurationMs: config.controller.memberLeaseDurationMs,
              weight: config.controller.memberWeight,
            }
          : undefined,
      statusWritesPerSecond: config.controller.statusWritesPerSecond,
      maxConcurrentRunsPerDaemon: config.runs.maxConcurrentPerDaemon,
      runQueueLimit: config.runs.queueLimit,
      namespace: config.controller.namespace,
      shutdownGraceMs: config.shutdownGraceMs,
    });
    // Notifications hear the runs of this replica; their informer syncs before the controller starts.
    const notifier = new NotifierController({
      api: api.notifiers,
      events: api.notifierEvents,
      secrets: api.secrets(),
      clock,
      logger: deps.logger,
      metrics: metrics.notify,
      namespace: config.controller.namespace,
      saveDirs: config.notify.saveDirs,
      dashboardBaseUrl: config.notify.dashboardUrl,
    });
    manager.runEvents.subscribe(notifier);
    http.addReadiness(checkerFrom('controller', () => manager.ready()));
    lifecycle.add(...notifier.runnables(), ...manager.runnables());
    try {
      await lifecycle.start();
    } catch (e) {
      throw new StartupError('ControllerFailed', `controller: ${(e as Error).message}`, { cause: e });
    }
    if (config.dockerLabels.enabled) {
      // Ofelia's container labels, read live (src/labels): after the controller, which runs the jobs.
      // Loaded only with --docker-labels (it brings Ofelia's importer and YAML); its objects go
      // through the same API choice as everything else.
      const { dockerLabelSource, ownerFor } = await import('../labels/index.ts');
      const labels = dockerLabelSource({
        daemon: pool.get(),
        stores: await api.labelStores(config.dockerLabels.namespace, ownerFor(config.controller.nodeName)),
        namespace: config.dockerLabels.namespace,
        nodeName: config.controller.nodeName,
        resyncMs: config.dockerLabels.resyncMs,
        clock,
        log: deps.logger.child({ component: 'docker-labels' }),
        metrics: metrics.dockerLabels,
      });
      await lifecycle
        .add(runnable('docker labels', { start: () => labels.start(), stop: () => labels.stop() }))
        .start();
    }
    const dashboard = await startDashboardPart(
      config,
      server,
      output,
      deps.logger,
      clock,
      manager.liveReplicas(),
    );
    if (dashboard) await lifecycle.add(runnable('dashboard', { stop: () => dashboard.close() })).start();
    starting = false;
    log.info(
      {
        mode: config.mode.kind,
        api: serverUrl,
        client: api.name,
        kubeconfig: embedded?.kubeconfigFile,
        http: http.url,
        dashboard: dashboard?.url,
        nodeName: config.controller.nodeName,
        instance: instance.id,
        namespace: config.controller.namespace ?? '(all)',
        leaderElection: config.controller.leaderElection.enabled,
        spreading: config.mode.kind !== 'embedded' && !config.controller.leaderElection.enabled,
      },
      'operator started',
    );

    const reason = await stop;
    log.info({ signal: reason, graceMs: config.shutdownGraceMs }, 'shutting down');
    await lifecycle.stop();
    log.info({}, 'operator stopped');
    return 0;
  } catch (e) {
    await lifecycle.stop();
    throw e;
  } finally {
    signals?.dispose();
  }
}
