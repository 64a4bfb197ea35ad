/**
 * The Docker client pool: one guarded dockerode client per configured daemon, by name.
 *
 * In: daemon configs (validated at start-up), pool options (timeouts, socket bounds, breaker,
 * bulkhead), a logger, a clock and optionally the metrics. Out: `get(name)` -> DaemonClient, whose
 * calls reuse keep-alive sockets (control pool for short calls, stream pool for wait/logs/exec/pull),
 * are bounded in time (connect 5 s, headers 10 s, whole call 30 s by default; streams by their
 * caller), fail fast with DaemonUnavailableError while the daemon's breaker is open, and never
 * queue without bound.
 * Never: retries a call, reads process.env, logs credentials.
 */
import Docker from 'dockerode';
import type { Logger } from '../log/logger.ts';
import type { DockerMetrics } from '../metrics/docker-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { createAgents } from './agents.ts';
import {
  type DaemonConfig,
  LOCAL_DAEMON,
  type PoolOptions,
  type PoolOptionsInput,
  parsePoolOptions,
  resolveEndpoint,
} from './config.ts';
import { DaemonClient } from './daemon-client.ts';
import { DaemonGuard } from './daemon-guard.ts';
import { EngineModem } from './engine-modem.ts';
import { EngineTransport } from './engine-transport.ts';

export class UnknownDaemonError extends Error {
  readonly reason = 'UnknownDaemon';
  constructor(readonly daemon: string) {
    super(`no Docker daemon named "${daemon}" is configured`);
    this.name = 'UnknownDaemonError';
  }
}

export interface DockerPoolDeps {
  log: Logger;
  metrics?: DockerMetrics;
  clock?: Clock;
}

export class DockerPool {
  private readonly clients = new Map<string, DaemonClient>();
  readonly options: PoolOptions;

  constructor(
    daemons: DaemonConfig[],
    options: PoolOptionsInput,
    private readonly deps: DockerPoolDeps,
  ) {
    this.options = parsePoolOptions(options);
    for (const d of daemons) {
      if (this.clients.has(d.name)) throw new Error(`daemon "${d.name}" configured twice`);
      this.clients.set(d.name, this.createClient(d));
    }
  }

  /** The daemon a job runs on (`placement.daemon`, default `local`). */
  get(name: string = LOCAL_DAEMON): DaemonClient {
    const c = this.clients.get(name);
    if (!c) throw new UnknownDaemonError(name);
    return c;
  }

  names(): string[] {
    return [...this.clients.keys()];
  }

  close(): void {
    for (const [name, c] of this.clients) {
      c.close();
      this.deps.metrics?.untrack(name);
    }
    this.clients.clear();
  }

  private createClient(config: DaemonConfig): DaemonClient {
    const o = this.options;
    const endpoint = resolveEndpoint(config);
    const agents = createAgents(endpoint, o);
    const transport = new EngineTransport(config.name, agents, o, this.deps.clock ?? systemClock);
    // dockerode's typings omit `modem` (docker.js: `opts.modem` replaces docker-modem's Modem).
    const docker = new Docker({
      modem: new EngineModem(transport, endpoint, agents),
    } as Docker.DockerOptions);
    const guard = new DaemonGuard(
      config.name,
      o,
      this.deps.log.child({ component: 'docker', daemon: config.name }),
      this.deps.metrics,
    );
    const client = new DaemonClient(config.name, docker, guard, transport, agents, o.containerCallTimeoutMs);
    this.deps.metrics?.track({
      daemon: config.name,
      controlSockets: () => client.sockets().control,
      streamSockets: () => client.sockets().stream,
      bulkheadQueued: () => client.bulkheadQueued,
    });
    return client;
  }
}
