/**
 * Process metrics: prom-client's default Node.js collectors (CPU, memory, heap, event-loop lag,
 * GC, handles, file descriptors, start time) plus `ofelia_build_info`. One fixed series each.
 */
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';

export interface BuildInfo {
  version: string;
  nodeVersion: string;
}

export class ProcessMetrics {
  readonly buildInfo: Gauge<'version' | 'node_version'>;

  constructor(registry: Registry, build: BuildInfo) {
    collectDefaultMetrics({ register: registry });
    this.buildInfo = new Gauge({
      name: 'ofelia_build_info',
      help: 'Always 1; the labels say which operator version and Node.js runtime this is.',
      labelNames: ['version', 'node_version'] as const,
      registers: [registry],
    });
    this.buildInfo.set({ version: build.version, node_version: build.nodeVersion }, 1);
  }
}
