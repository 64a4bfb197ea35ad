/**
 * One daemon's typed operations, each through the guard (breaker, bulkhead, metrics) and the
 * engine client (control pool for short calls, stream pool for long ones).
 *
 * Streams (`waitContainer`, `logs`, `execStart`, `pullImage`) are guarded only while they open:
 * a container's life must not hold a bulkhead slot. The caller bounds them with its AbortSignal.
 */
import type { IncomingMessage } from 'node:http';
import type { BreakerStateName } from '../metrics/docker-metrics.ts';
import type { DaemonAgents } from './agents.ts';
import { socketsInUse } from './agents.ts';
import type { DaemonGuard } from './daemon-guard.ts';
import { type EngineClient, readBounded } from './engine-client.ts';
import type {
  ContainerCreateBody,
  ContainerInspect,
  ContainerSummary,
  ExecCreateBody,
  ExecInspect,
  RegistryAuth,
  WaitResult,
} from './engine-types.ts';
import { DockerApiError, DockerTransportError } from './errors.ts';
import { parseImageRef } from './image-ref.ts';

/** Longest line accepted in a pull progress stream; longer lines are skipped. */
const MAX_PULL_LINE = 64 * 1024;

export class DaemonClient {
  constructor(
    readonly name: string,
    private readonly engine: EngineClient,
    private readonly guard: DaemonGuard,
    private readonly agents: DaemonAgents,
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

  ping(signal?: AbortSignal): Promise<string> {
    return this.guard.execute('ping', () => this.engine.call<string>('ping', 'GET', '/_ping', { signal }));
  }

  version(): Promise<{ Version: string; ApiVersion: string }> {
    return this.guard.execute('version', () => this.engine.call('version', 'GET', '/version'));
  }

  createContainer(name: string, body: ContainerCreateBody): Promise<{ Id: string; Warnings?: string[] }> {
    return this.guard.execute('container.create', () =>
      this.engine.call('container.create', 'POST', '/containers/create', { query: { name }, body }),
    );
  }

  async startContainer(id: string): Promise<void> {
    await this.guard.execute('container.start', () =>
      this.engine.call('container.start', 'POST', `/containers/${encodeURIComponent(id)}/start`),
    );
  }

  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.guard.execute('container.inspect', () =>
      this.engine.call('container.inspect', 'GET', `/containers/${encodeURIComponent(id)}/json`),
    );
  }

  listContainers(opts: { all?: boolean; labels?: string[] } = {}): Promise<ContainerSummary[]> {
    const filters = opts.labels?.length ? JSON.stringify({ label: opts.labels }) : undefined;
    return this.guard.execute('container.list', () =>
      this.engine.call('container.list', 'GET', '/containers/json', {
        query: { all: opts.all ? 1 : undefined, filters },
      }),
    );
  }

  async killContainer(id: string, signal: string): Promise<void> {
    await this.guard.execute('container.kill', () =>
      this.engine.call('container.kill', 'POST', `/containers/${encodeURIComponent(id)}/kill`, {
        query: { signal },
      }),
    );
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.guard.execute('container.remove', () =>
      this.engine.call('container.remove', 'DELETE', `/containers/${encodeURIComponent(id)}`, {
        query: { force: opts.force ? 1 : undefined, v: 1 },
      }),
    );
  }

  /**
   * Waits until the container is not running and returns its exit status. Holds a stream socket
   * for the container's life; `signal` ends the wait (the container keeps running).
   */
  async waitContainer(id: string, signal?: AbortSignal): Promise<WaitResult> {
    const res = await this.guard.execute('container.wait', () =>
      this.engine.stream('container.wait', 'POST', `/containers/${encodeURIComponent(id)}/wait`, {
        query: { condition: 'not-running' },
        signal,
      }),
    );
    let text: string;
    try {
      text = await readBounded(res, 64 * 1024);
    } catch (e) {
      // The caller ended the wait: that is an abort, whatever the socket said as it closed.
      if (signal?.aborted || (e as Error).name === 'AbortError') throw abortError('container.wait');
      throw new DockerTransportError(
        this.name,
        'container.wait',
        (e as NodeJS.ErrnoException).code,
        `wait on daemon "${this.name}": ${(e as Error).message}`,
      );
    }
    try {
      return JSON.parse(text) as WaitResult;
    } catch {
      throw new DockerTransportError(
        this.name,
        'container.wait',
        'EBADANSWER',
        `wait on daemon "${this.name}": answer cut short`,
      );
    }
  }

  /** The container's multiplexed (or raw, with a TTY) output; `follow` keeps it open to the end. */
  logs(id: string, opts: { follow: boolean; tail?: number; signal?: AbortSignal }): Promise<IncomingMessage> {
    return this.guard.execute('container.logs', () =>
      this.engine.stream('container.logs', 'GET', `/containers/${encodeURIComponent(id)}/logs`, {
        query: { follow: opts.follow ? 1 : undefined, stdout: 1, stderr: 1, tail: opts.tail },
        signal: opts.signal,
      }),
    );
  }

  inspectImage(ref: string): Promise<{ Id: string }> {
    return this.guard.execute('image.inspect', () =>
      this.engine.call('image.inspect', 'GET', `/images/${encodeURIComponent(ref)}/json`),
    );
  }

  /**
   * Pulls an image and resolves when the daemon says it is done. A failure reported inside the
   * progress stream (auth refused, manifest unknown) becomes a DockerApiError with the daemon's
   * message; credentials travel only in the X-Registry-Auth header, never in logs.
   */
  async pullImage(ref: string, auth?: RegistryAuth, signal?: AbortSignal): Promise<void> {
    const { repository, tagOrDigest } = parseImageRef(ref);
    const headers = auth ? { 'x-registry-auth': registryAuthHeader(auth) } : undefined;
    const res = await this.guard.execute('image.pull', () =>
      this.engine.stream('image.pull', 'POST', '/images/create', {
        query: { fromImage: repository, tag: tagOrDigest },
        headers,
        signal,
      }),
    );
    const error = await lastPullError(res);
    if (error) throw new DockerApiError(this.name, 'image.pull', 500, error);
  }

  execCreate(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    return this.guard.execute('exec.create', () =>
      this.engine.call('exec.create', 'POST', `/containers/${encodeURIComponent(container)}/exec`, { body }),
    );
  }

  /** Starts an exec and returns its output stream (multiplexed unless Tty). */
  execStart(id: string, opts: { tty: boolean; signal?: AbortSignal }): Promise<IncomingMessage> {
    return this.guard.execute('exec.start', () =>
      this.engine.stream('exec.start', 'POST', `/exec/${encodeURIComponent(id)}/start`, {
        body: { Detach: false, Tty: opts.tty },
        signal: opts.signal,
      }),
    );
  }

  execInspect(id: string): Promise<ExecInspect> {
    return this.guard.execute('exec.inspect', () =>
      this.engine.call('exec.inspect', 'GET', `/exec/${encodeURIComponent(id)}/json`),
    );
  }

  close(): void {
    this.engine.close();
  }
}

/** Reads a pull's JSON-lines progress to the end, keeping only the last error message. */
function lastPullError(res: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let pending = '';
    let error: string | undefined;
    const consume = (line: string): void => {
      if (!line.includes('"error"')) return;
      try {
        const parsed = JSON.parse(line) as { error?: string };
        if (parsed.error) error = parsed.error;
      } catch {
        // a progress line that is not JSON: ignore
      }
    };
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        consume(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_PULL_LINE) pending = '';
    });
    res.once('end', () => {
      if (pending) consume(pending);
      resolve(error);
    });
    res.once('error', reject);
  });
}

/**
 * X-Registry-Auth: URL-safe base64 *with* padding. The daemon decodes it with Go's
 * base64.URLEncoding, which refuses unpadded input and then silently pulls without credentials.
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function abortError(op: string): Error {
  const e = new Error(`${op} aborted by the caller`);
  e.name = 'AbortError';
  return e;
}
