/**
 * Every metric of the operator, in one Registry.
 *
 * In: the build info. Out: a fresh prom-client `Registry` with the default process collectors
 * and one instance of each domain's metrics class (docker, scheduler, controller, runs), which
 * the composition root hands to the parts that record them.
 * Never: uses prom-client's global registry (two operators in one process, or tests, must not
 * collide), or creates a label whose values are not bounded (see docs/metrics.md).
 */
import { Registry } from 'prom-client';
import { ControllerMetrics } from './controller-metrics.ts';
import { DockerMetrics } from './docker-metrics.ts';
import { type BuildInfo, ProcessMetrics } from './process-metrics.ts';
import { RunMetrics } from './run-metrics.ts';
import { SchedulerMetrics } from './scheduler-metrics.ts';

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly process: ProcessMetrics;
  readonly docker: DockerMetrics;
  readonly scheduler: SchedulerMetrics;
  readonly controller: ControllerMetrics;
  readonly runs: RunMetrics;
}

export function createOperatorMetrics(build: BuildInfo): OperatorMetrics {
  const registry = new Registry();
  return {
    registry,
    process: new ProcessMetrics(registry, build),
    docker: new DockerMetrics(registry),
    scheduler: new SchedulerMetrics(registry),
    controller: new ControllerMetrics(registry),
    runs: new RunMetrics(registry),
  };
}

/** Names of every metric family the registry holds (for docs and dashboard checks). */
export function metricNames(registry: Registry): string[] {
  return registry
    .getMetricsAsArray()
    .map((m) => m.name)
    .sort();
}
