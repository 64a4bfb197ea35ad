/**
 * The modem dockerode runs on (`new Docker({ modem })`): docker-modem's `dial` contract, carried
 * out by EngineTransport (keep-alive control and stream agents, sweeper deadlines, nothing
 * `util.inspect`ed) instead of docker-modem's own request path.
 *
 * In: what dockerode passes to `dial(options, callback)`: `path` (a trailing `?` means "append
 * `options._query || options` as the query"), `method`, `options` (the JSON body of a POST, or
 * `_body`), `statusCodes` (status -> true, or the text of an error), `isStream` (hand over the
 * response), `authconfig` (X-Registry-Auth), `registryconfig`, `abortSignal`, `file` (an upload),
 * `allowEmpty`, `headers`. Out: `callback(null, json | Buffer | IncomingMessage)`, or
 * `callback(error)` with DockerApiError (`statusCode`, `json`, the daemon's message),
 * DockerTimeoutError, DockerTransportError or the caller's AbortError.
 * Hijacked calls (`hijack`, `openStdin`: an interactive exec or attach) go to docker-modem's own
 * implementation on the stream agent: they take over the socket, which is docker-modem's business.
 * Pool: streams, waits and pulls use the stream agent and are bounded by the caller's signal once
 * their headers arrived; every other call uses the control agent and the request deadline.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { stringify } from 'node:querystring';
import type DockerModem from 'docker-modem';
import Docker from 'dockerode';
import type { DockerOperation } from '../metrics/docker-metrics.ts';
import type { DaemonAgents, PoolName } from './agents.ts';
import type { Endpoint } from './config.ts';
import {
  apiError,
  CONTAINER_CHANGES,
  DEFAULT_API_VERSION,
  type EngineTransport,
  MAX_ERROR_BODY_BYTES,
  readBounded,
  type TransportRequest,
} from './engine-transport.ts';
import type { RegistryAuth } from './engine-types.ts';
import { DockerTransportError } from './errors.ts';

/** Calls that hold their socket for a container's life (or a pull's): the stream agent. */
const STREAM_OPS = new Set<DockerOperation>([
  'container.wait',
  'container.logs',
  'container.attach',
  'exec.start',
  'image.pull',
]);
/** Progress objects `followProgress` keeps for its `onFinished` (the latest ones). */
const MAX_PROGRESS_KEPT = 100;
/** Longest progress line accepted; a longer one is skipped. */
const MAX_PROGRESS_LINE = 64 * 1024;

type DialOptions = DockerModem.DialOptions;
type DialCallback = DockerModem.RequestCallback;

export class EngineModem {
  /** dockerode sets the Promise library it wraps its calls in. */
  Promise: PromiseConstructor = Promise;
  /** docker-modem itself, for the calls it must make: hijacked sockets, demultiplexing. */
  private readonly own: DockerModem;

  constructor(
    private readonly transport: EngineTransport,
    endpoint: Endpoint,
    agents: DaemonAgents,
  ) {
    this.own = new Docker(ownModemOptions(endpoint, agents)).modem as DockerModem;
  }

  dial(options: DialOptions, callback: DialCallback): void {
    if (options.hijack || options.openStdin) {
      this.own.dial(options, callback);
      return;
    }
    let request: TransportRequest;
    try {
      request = this.request(options);
    } catch (e) {
      callback(e as Error, null);
      return;
    }
    const statusCodes = options.statusCodes;
    const { op } = request;
    const accepted = (status: number): boolean =>
      statusCodes ? statusCodes[status] === true : status >= 200 && status < 300;
    if (options.isStream) {
      this.transport.open(request, (err, res) => {
        if (err) return callback(err, null);
        const response = res as IncomingMessage;
        if (accepted(response.statusCode ?? 0)) return callback(null, response);
        readBounded(response, MAX_ERROR_BODY_BYTES).then(
          (text) => callback(apiError(this.transport.daemon, op, response.statusCode ?? 0, text), null),
          (e: Error) =>
            callback(
              new DockerTransportError(
                this.transport.daemon,
                op,
                (e as NodeJS.ErrnoException).code,
                e.message,
              ),
              null,
            ),
        );
      });
      return;
    }
    // Short calls are bounded body and all; a wait or a log read on the stream pool lasts as long
    // as it must (the caller's signal bounds it), except a container change, short like the rest.
    this.transport.fetch(request, request.pool === 'control' || CONTAINER_CHANGES.has(op), (err, answer) => {
      if (err) return callback(err, null);
      const { status, body, json } = answer!;
      if (!accepted(status)) return callback(apiError(this.transport.daemon, op, status, body), null);
      // docker-modem's contract: the parsed JSON, else the raw bytes.
      if (!json || body.length === 0) return callback(null, body);
      let parsed: object;
      try {
        parsed = JSON.parse(body.toString('utf8')) as object;
      } catch {
        return callback(null, body);
      }
      callback(null, parsed);
    });
  }

  /**
   * docker-modem's `followProgress`, bounded: `onFinished` gets the latest 100 progress objects
   * (not every one of a large pull's thousands), and a line that is not JSON or is over 64 KiB is
   * skipped instead of throwing out of a stream handler.
   */
  followProgress(
    stream: NodeJS.ReadableStream,
    onFinished: (error: Error | null, result: unknown[]) => void,
    onProgress?: (obj: unknown) => void,
  ): void {
    const kept: unknown[] = [];
    let pending = '';
    let finished = false;
    const line = (text: string): void => {
      const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (!trimmed) return;
      let obj: unknown;
      try {
        obj = JSON.parse(trimmed);
      } catch {
        return;
      }
      kept.push(obj);
      if (kept.length > MAX_PROGRESS_KEPT) kept.shift();
      onProgress?.(obj);
    };
    const finish = (err: Error | null): void => {
      if (finished) return;
      finished = true;
      stream.removeListener('data', onData);
      if (!err && pending) line(pending);
      onFinished(err, kept);
    };
    const onData = (chunk: Buffer | string): void => {
      pending += chunk.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        line(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      if (pending.length > MAX_PROGRESS_LINE) pending = '';
    };
    stream.on('data', onData);
    stream.once('error', (e: Error) => finish(e));
    stream.once('end', () => finish(null));
    stream.once('close', () => finish(null));
  }

  demuxStream(
    stream: NodeJS.ReadableStream,
    stdout: NodeJS.WritableStream,
    stderr: NodeJS.WritableStream,
  ): void {
    this.own.demuxStream(stream, stdout, stderr);
  }

  /** docker-modem's mapping of dial options onto one HTTP request, without its debug formatting. */
  private request(options: DialOptions): TransportRequest {
    const opts = options.options;
    // As docker-modem: credentials and the signal never go into the query or the body.
    if (opts) {
      delete opts.authconfig;
      delete opts.abortSignal;
    }
    let path = options.path;
    if (path.includes('?')) {
      if (opts && Object.keys(opts).length > 0) path += queryString(opts._query ?? opts);
      else path = path.slice(0, -1);
    }
    const method = options.method ?? 'GET';
    const op = operationOf(method, path);
    let headers: OutgoingHttpHeaders | undefined = options.headers ? { ...options.headers } : undefined;
    const header = (name: string, value: string | number): void => {
      headers ??= {};
      headers[name] = value;
    };
    if (options.authconfig) {
      const a = options.authconfig;
      header('X-Registry-Auth', a.key || a.base64 || registryAuthHeader(a as RegistryAuth));
    }
    if (options.registryconfig) {
      const c = options.registryconfig;
      header('X-Registry-Config', c.base64 || Buffer.from(JSON.stringify(c)).toString('base64'));
    }
    let body: string | Buffer | NodeJS.ReadableStream | undefined;
    if (options.file) {
      body = typeof options.file === 'string' ? createReadStream(resolvePath(options.file)) : options.file;
      if (!headers?.['Content-Type']) header('Content-Type', 'application/tar');
    } else if (opts && method === 'POST') {
      const data = JSON.stringify(opts._body ?? opts);
      if (options.allowEmpty || (data !== '{}' && data !== '""')) {
        body = data;
        if (!headers?.['Content-Type']) header('Content-Type', 'application/json');
      }
    }
    if (typeof body === 'string') header('Content-Length', Buffer.byteLength(body));
    else if (Buffer.isBuffer(body)) header('Content-Length', body.length);
    // A container create or start on a busy daemon holds its socket for seconds: on the control
    // pool, dozens of them would queue the quick calls (inspect, ping) behind them.
    const pool: PoolName =
      options.isStream || STREAM_OPS.has(op) || CONTAINER_CHANGES.has(op) ? 'stream' : 'control';
    return { op, pool, method, path, headers, body, signal: options.abortSignal };
  }
}

/**
 * X-Registry-Auth: URL-safe base64 *with* padding. The daemon decodes it with Go's
 * base64.URLEncoding, which refuses unpadded input and then silently pulls without credentials.
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * docker-modem's query string: nested objects (filters) as JSON, arrays as repeated keys. Unlike
 * docker-modem, an undefined option is left out rather than sent as `key=`.
 */
function queryString(opts: object): string {
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    flat[key] = value && typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : value;
  }
  return stringify(flat as Parameters<typeof stringify>[0]);
}

/** The operation an Engine API path is (for metrics, deadlines and error messages). */
export function operationOf(method: string, fullPath: string): DockerOperation {
  const q = fullPath.indexOf('?');
  const path = q === -1 ? fullPath : fullPath.slice(0, q);
  const parts = path.split('/');
  // ['', 'containers', id, action] and friends.
  switch (parts[1]) {
    case '_ping':
      return 'ping';
    case 'version':
      return 'version';
    case 'containers': {
      if (parts.length === 3) {
        if (parts[2] === 'json') return 'container.list';
        if (parts[2] === 'create') return 'container.create';
        if (method === 'DELETE') return 'container.remove';
        return 'other';
      }
      switch (parts[3]) {
        case 'start':
          return 'container.start';
        case 'json':
          return 'container.inspect';
        case 'wait':
          return 'container.wait';
        case 'logs':
          return 'container.logs';
        case 'attach':
          return 'container.attach';
        case 'kill':
          return 'container.kill';
        case 'stop':
          return 'container.stop';
        case 'exec':
          return 'exec.create';
        default:
          return 'other';
      }
    }
    case 'images':
      if (parts[2] === 'create') return 'image.pull';
      // Image names hold slashes: /images/<registry/repo:tag>/json.
      if (parts[parts.length - 1] === 'json' && parts.length > 3) return 'image.inspect';
      return 'other';
    case 'volumes':
      if (method === 'GET' && parts.length === 3 && parts[2] !== '') return 'volume.inspect';
      return 'other';
    case 'exec':
      if (parts[3] === 'start') return 'exec.start';
      if (parts[3] === 'json') return 'exec.inspect';
      return 'other';
    default:
      return 'other';
  }
}

/** Options for docker-modem's own Modem: this daemon only, never DOCKER_HOST from the environment. */
function ownModemOptions(endpoint: Endpoint, agents: DaemonAgents): Docker.DockerOptions {
  const base = {
    version: `v${DEFAULT_API_VERSION}`,
    agent: agents.stream,
    // docker-modem starts from DOCKER_HOST & co.: override every field they could set.
    host: undefined,
    socketPath: undefined,
    port: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
  } as Docker.DockerOptions & { agent: unknown; pathPrefix?: string };
  if (endpoint.kind === 'unix') return { ...base, socketPath: endpoint.socketPath, protocol: 'http' };
  if (endpoint.kind === 'tcp')
    return {
      ...base,
      host: endpoint.hostname,
      port: endpoint.port,
      protocol: 'http',
      pathPrefix: '/',
    } as Docker.DockerOptions;
  return {
    ...base,
    host: endpoint.hostname,
    port: endpoint.port,
    protocol: 'https',
    ca: endpoint.ca,
    cert: endpoint.cert,
    key: endpoint.key,
    pathPrefix: '/',
  } as Docker.DockerOptions;
}
