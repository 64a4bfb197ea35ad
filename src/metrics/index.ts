/**
 * Every metric of the operator, in one Registry.
 *
 * In: the build info, and whether this process serves the embedded API server. Out: a fresh
 * prom-client `Registry` with the default process collectors and one instance of each domain's
 * metrics class (docker, scheduler, controller, runs, run events, and the embedded API server when there is
 * one), which the composition root hands to the parts that record them.
 * Never: uses prom-client's global registry (two operators in one process, or tests, must not
 * collide), or creates a label whose values are not bounded (see docs/metrics.md).
 */
import { Registry } from 'prom-client';
import { ApiServerMetrics } from './apiserver-metrics.ts';
import { ClusterMetrics } from './cluster-metrics.ts';
import { ControllerMetrics } from './controller-metrics.ts';
import { DockerLabelMetrics } from './docker-label-metrics.ts';
import { DockerMetrics } from './docker-metrics.ts';
import { NotifyMetrics } from './notify-metrics.ts';
import { OutputMetrics } from './output-metrics.ts';
import { type BuildInfo, ProcessMetrics } from './process-metrics.ts';
import { RunEventMetrics } from './run-event-metrics.ts';
import { RunMetrics } from './run-metrics.ts';
import { SchedulerMetrics } from './scheduler-metrics.ts';

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly process: ProcessMetrics;
  readonly docker: DockerMetrics;
  readonly scheduler: SchedulerMetrics;
  readonly controller: ControllerMetrics;
  readonly runs: RunMetrics;
  readonly output: OutputMetrics;
  /** Membership and ownership of cluster mode (zero when the replica runs alone). */
  readonly cluster: ClusterMetrics;
  readonly runEvents: RunEventMetrics;
  /** The Docker-label source (registered always: zero unless --docker-labels). */
  readonly dockerLabels: DockerLabelMetrics;
  readonly notify: NotifyMetrics;
  /** Present in embedded mode only. */
  readonly apiserver: ApiServerMetrics | undefined;
}

export interface OperatorMetricsOptions extends BuildInfo {
  /** Whether this process serves the embedded API server (its metrics are registered then). */
  embeddedApiServer: boolean;
}

export function createOperatorMetrics(opts: OperatorMetricsOptions): OperatorMetrics {
  const registry = new Registry();
  return {
    registry,
    process: new ProcessMetrics(registry, { version: opts.version, nodeVersion: opts.nodeVersion }),
    docker: new DockerMetrics(registry),
    scheduler: new SchedulerMetrics(registry),
    controller: new ControllerMetrics(registry),
    runs: new RunMetrics(registry),
    output: new OutputMetrics(registry),
    cluster: new ClusterMetrics(registry),
    runEvents: new RunEventMetrics(registry),
    dockerLabels: new DockerLabelMetrics(registry),
    notify: new NotifyMetrics(registry),
    apiserver: opts.embeddedApiServer ? new ApiServerMetrics(registry) : undefined,
  };
}

/** Names of every metric family the registry holds (for docs and dashboard checks). */
export function metricNames(registry: Registry): string[] {
  return registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .sort();
}
