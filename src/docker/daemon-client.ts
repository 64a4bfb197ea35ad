/**
 * One daemon: its dockerode client (on EngineModem, so every request rides the pooled transport)
 * and its guard (cockatiel breaker + bulkhead + metrics).
 *
 * The runner calls dockerode's API itself, each short call through `call(op, fn)`:
 *   `daemon.call('container.start', () => daemon.docker.getContainer(id).start())`.
 * Streams (`logs --follow`, exec output, pull) resolve once their headers arrive, so a guarded
 * stream holds its bulkhead slot only while it opens. `container.wait` resolves only when the
 * container exits: it is never guarded (a running container must not hold one of the bulkhead's
 * slots, nor be a half-open trial), it runs on the stream agent and the caller's signal bounds it.
 * The typed shortcuts below (ping, inspect, create ...) are the same dockerode calls, for callers
 * that want one line (startup checks, tests).
 */
import type { IncomingMessage } from 'node:http';
import type Docker from 'dockerode';
import type { BreakerStateName, DockerOperation } from '../metrics/docker-metrics.ts';
import type { DaemonAgents } from './agents.ts';
import { socketsInUse } from './agents.ts';
import type { DaemonGuard } from './daemon-guard.ts';
import type { EngineTransport } from './engine-transport.ts';
import type { ContainerCreateBody, ContainerInspect, ContainerSummary, WaitResult } from './engine-types.ts';

/**
 * dockerode's createContainer sends its options as the body AND as the query string (docker-modem
 * builds the query from every option); docker-modem's `_query` / `_body` split keeps the body
 * (environment values, possibly secrets) out of the URL.
 */
export function createOptions(name: string, body: ContainerCreateBody): Docker.ContainerCreateOptions {
  return { _query: { name }, _body: body } as unknown as Docker.ContainerCreateOptions;
}

export class DaemonClient {
  constructor(
    readonly name: string,
    /** dockerode, on this daemon's EngineModem. */
    readonly docker: Docker,
    private readonly guard: DaemonGuard,
    private readonly transport: EngineTransport,
    private readonly agents: DaemonAgents,
    /**
     * How long a call that changes a container may take (PoolOptions.containerCallTimeoutMs):
     * also how long a caller waits, after such a call timed out, for its effect to show.
     */
    readonly containerCallTimeoutMs: number,
  ) {}

  get breakerState(): BreakerStateName {
    return this.guard.state;
  }

  get bulkheadQueued(): number {
    return this.guard.queued;
  }

  sockets(): { control: number; stream: number } {
    return { control: socketsInUse(this.agents.control), stream: socketsInUse(this.agents.stream) };
  }

  /** Runs one dockerode call under the breaker and the bulkhead, timed under `op`. */
  call<T>(op: DockerOperation, fn: () => Promise<T>): Promise<T> {
    return this.guard.execute(op, fn);
  }

  /**
   * The hot path, direct on the transport (no dockerode): health checks and readiness call it
   * constantly. Measured (bench/docker-client.bench.ts, ADR 0003), over the unix socket: the pool
   * direct is +6% over raw keep-alive for ping and image inspect, the same pool through dockerode
   * +11% (its Promise wrapper, option processing and the dial mapping: ~10-18 µs a call), i.e. the
   * direct path halves what the pool adds.
   */
  ping(signal?: AbortSignal): Promise<string> {
    return this.guard.execute('ping', () => this.transport.call<string>('ping', 'GET', '/_ping', signal));
  }

  /** Image inspect: the other hot call (every run with pullPolicy IfNotPresent), direct as `ping`. */
  inspectImage(ref: string): Promise<{ Id: string }> {
    return this.guard.execute('image.inspect', () =>
      this.transport.call('image.inspect', 'GET', `/images/${encodeURIComponent(ref)}/json`),
    );
  }

  version(): Promise<Docker.DockerVersion> {
    return this.call('version', () => this.docker.version());
  }

  async createContainer(name: string, body: ContainerCreateBody): Promise<{ Id: string }> {
    const c = await this.call('container.create', () =>
      this.docker.createContainer(createOptions(name, body)),
    );
    return { Id: c.id };
  }

  async startContainer(id: string): Promise<void> {
    await this.call('container.start', () => this.docker.getContainer(id).start());
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.call('container.inspect', () =>
      this.docker.getContainer(id).inspect(),
    ) as Promise<ContainerInspect>;
  }

  listContainers(opts: { all?: boolean; labels?: string[] } = {}): Promise<ContainerSummary[]> {
    return this.call('container.list', () =>
      this.docker.listContainers({
        all: opts.all,
        filters: opts.labels?.length ? { label: opts.labels } : undefined,
      }),
    ) as Promise<ContainerSummary[]>;
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.call('container.kill', () => this.docker.getContainer(id).kill({ signal }));
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('container.remove', () =>
      this.docker.getContainer(id).remove({ force: opts.force ?? false, v: true }),
    );
  }

  /** The container's multiplexed (or raw, with a TTY) output, followed to its end. */
  logs(id: string, opts: { follow: true; tail?: number; signal?: AbortSignal }): Promise<IncomingMessage> {
    return this.call('container.logs', () =>
      this.docker.getContainer(id).logs({
        follow: true,
        stdout: true,
        stderr: true,
        tail: opts.tail,
        abortSignal: opts.signal,
      }),
    ) as Promise<unknown> as Promise<IncomingMessage>;
  }

  /** Waits until the container is not running (see the header: unguarded, on the stream agent). */
  waitContainer(id: string, signal?: AbortSignal): Promise<WaitResult> {
    return this.docker
      .getContainer(id)
      .wait({ condition: 'not-running', abortSignal: signal }) as Promise<WaitResult>;
  }

  close(): void {
    this.transport.close();
  }
}
