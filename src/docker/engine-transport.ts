/**
 * The HTTP transport under dockerode (through EngineModem, engine-modem.ts): one Engine API request
 * over `http.request` on the daemon's control or stream agent, with connect / header / request
 * deadlines on one shared sweeper (deadline-sweeper.ts) instead of a timer per call, and nothing
 * `util.inspect`ed (docker-modem's own request path formats every request's options for a debug
 * line even when debugging is off: measured about +0.2 ms per call with an explicit agent).
 *
 * In: an operation name (for errors and deadlines), the pool, method, path (query included), headers,
 * body, the caller's AbortSignal. Out: the whole answer (status, bytes, whether it is JSON), or the
 * response stream once its headers arrived. Errors: DockerTimeoutError, DockerTransportError, or the
 * caller's AbortError; turning a status into an error is the caller's (the modem's `statusCodes`).
 * It never retries and never counts anything: that is DaemonGuard's job.
 */
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { DockerOperation } from '../metrics/docker-metrics.ts';
import type { Clock } from '../util/clock.ts';
import type { DaemonAgents, PoolName } from './agents.ts';
import {
  type DeadlineEntry,
  type DeadlineLimits,
  type DeadlinePhase,
  DeadlineSweeper,
} from './deadline-sweeper.ts';
import { DockerApiError, DockerTimeoutError, DockerTransportError } from './errors.ts';

export const DEFAULT_API_VERSION = '1.41';
/** Largest whole answer accepted (a container list of thousands fits). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Largest error body read from a failed stream call. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface TransportRequest {
  op: DockerOperation;
  pool: PoolName;
  method: string;
  /** The path after the API version prefix, query string included. */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer | NodeJS.ReadableStream;
  signal?: AbortSignal;
}

/** A whole answer as read from the daemon. */
export interface Answer {
  status: number;
  body: Buffer;
  /** The answer's content type is application/json. */
  json: boolean;
}

export type Callback<T> = (err: Error | null, value?: T) => void;

export class EngineTransport {
  private readonly sweeper: DeadlineSweeper;
  private readonly prefix: string;

  constructor(
    readonly daemon: string,
    private readonly agents: DaemonAgents,
    limits: DeadlineLimits,
    private readonly clock: Clock,
    apiVersion = DEFAULT_API_VERSION,
  ) {
    this.sweeper = new DeadlineSweeper(clock, limits);
    this.prefix = `/v${apiVersion}`;
  }

  /** @internal The clock's time, for deadline entries. */
  now(): number {
    return this.clock.now();
  }

  /** Requests whose deadlines are being watched. */
  get inFlight(): number {
    return this.sweeper.size;
  }

  /**
   * Sends the request and reads the whole answer (at most 32 MiB). `boundBody`: the request
   * deadline covers the body too (short calls); otherwise only connect and headers are bounded
   * and the caller's signal bounds the rest (a wait that lasts a container's life).
   */
  fetch(r: TransportRequest, boundBody: boolean, done: Callback<Answer>): void {
    const req = this.send(r);
    const entry = new CallDeadline(this, r.op, req, boundBody);
    this.sweeper.add(entry);
    let settled = false;
    const finish = (err: Error | null, answer?: Answer): void => {
      if (settled) return;
      settled = true;
      this.sweeper.delete(entry);
      done(err, answer);
    };
    req.once('response', (res) => {
      entry.headersReceived = true;
      if (!boundBody) this.sweeper.delete(entry);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(
            new DockerTransportError(
              this.daemon,
              r.op,
              'EBODYTOOLARGE',
              `${r.op}: answer over ${MAX_BODY_BYTES} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        finish(null, { status: res.statusCode ?? 0, body, json: isJson(res.rawHeaders) });
      });
      res.once('error', (e) => finish(this.transportError(r, e)));
      // Closed before its end without an error event (the caller's abort, a cut connection).
      res.once('close', () => {
        if (!res.complete) finish(this.transportError(r, cutShort()));
      });
    });
    req.once('error', (e) => finish(this.transportError(r, e)));
  }

  /**
   * Sends the request and hands over the response once its headers arrived (a stream: logs, exec
   * output, pull progress). Bounded until the headers; after that the caller owns and bounds it.
   */
  open(r: TransportRequest, done: Callback<IncomingMessage>): void {
    const req = this.send(r);
    const entry = new CallDeadline(this, r.op, req, false);
    this.sweeper.add(entry);
    let settled = false;
    req.once('response', (res) => {
      entry.headersReceived = true;
      this.sweeper.delete(entry);
      settled = true;
      done(null, res);
    });
    req.once('error', (e) => {
      this.sweeper.delete(entry);
      if (settled) return;
      settled = true;
      done(this.transportError(r, e));
    });
  }

  /** A short JSON call on the control pool; any status >= 400 is a DockerApiError. */
  call<T>(op: DockerOperation, method: string, path: string, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.fetch({ op, pool: 'control', method, path, signal }, true, (err, a) => {
        if (err) return reject(err);
        const answer = a!;
        if (answer.status >= 400) return reject(apiError(this.daemon, op, answer.status, answer.body));
        if (answer.body.length === 0) return resolve(undefined as T);
        // Only JSON answers are parsed: a throw from JSON.parse on `OK` (ping) costs more than the call.
        const text = answer.body.toString('utf8');
        if (!answer.json) return resolve(text as T);
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(badAnswer(this.daemon, op));
        }
      });
    });
  }

  close(): void {
    this.sweeper.close();
    this.agents.control.destroy();
    this.agents.stream.destroy();
  }

  private send(r: TransportRequest): ClientRequest {
    // One flat literal per call (no spread of the target): http.request copies and walks whatever it is given.
    const target = this.agents.target;
    const req = this.agents.request({
      socketPath: target.socketPath,
      hostname: target.hostname,
      port: target.port,
      agent: r.pool === 'control' ? this.agents.control : this.agents.stream,
      method: r.method,
      path: this.prefix + r.path,
      headers: r.headers,
      signal: r.signal,
    });
    const body = r.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      body.once('error', (e: Error) => req.destroy(e));
      body.pipe(req);
    }
    return req;
  }

  /** @internal Called by a CallDeadline that expired. */
  expire(op: DockerOperation, req: ClientRequest, phase: DeadlinePhase, timeoutMs: number): void {
    req.destroy(new DockerTimeoutError(this.daemon, op, phase, timeoutMs));
  }

  private transportError(r: TransportRequest, e: unknown): Error {
    if (e instanceof DockerTimeoutError || e instanceof DockerTransportError) return e;
    // The caller's abort is not the daemon's fault: an AbortError, whatever the socket said as it closed.
    if (r.signal?.aborted || (e as Error)?.name === 'AbortError') return abortError(r.op);
    const err = e as NodeJS.ErrnoException;
    return new DockerTransportError(
      this.daemon,
      r.op,
      err?.code,
      `${r.op} on daemon "${this.daemon}": ${err?.message ?? String(e)}`,
    );
  }
}

/**
 * Calls in which the daemon changes a container before it answers: they get the longer deadline,
 * and a socket of the stream pool (engine-modem.ts), since one may hold it for many seconds.
 */
export const CONTAINER_CHANGES: ReadonlySet<DockerOperation> = new Set<DockerOperation>([
  'container.create',
  'container.start',
  'container.stop',
  'container.kill',
  'container.remove',
]);

/** One in-flight request's deadline entry: a class, so a call allocates no closures for it. */
class CallDeadline implements DeadlineEntry {
  readonly start: number;
  readonly changesContainer: boolean;
  headersReceived = false;

  constructor(
    private readonly transport: EngineTransport,
    private readonly op: DockerOperation,
    private readonly req: ClientRequest,
    readonly boundBody: boolean,
  ) {
    this.start = transport.now();
    this.changesContainer = CONTAINER_CHANGES.has(op);
  }

  connecting(): boolean {
    return this.req.socket?.connecting ?? false;
  }

  expire(phase: DeadlinePhase, timeoutMs: number): void {
    this.transport.expire(this.op, this.req, phase, timeoutMs);
  }
}

/**
 * Whether the answer is JSON, from the raw header list: reading `res.headers` would build the
 * whole header object just for this one field.
 */
function isJson(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type') {
      return raw[i + 1]!.startsWith('application/json');
    }
  }
  return false;
}

/** The daemon's error answer as a DockerApiError: its own message, the parsed body as `json`. */
export function apiError(
  daemon: string,
  op: DockerOperation,
  status: number,
  body: Buffer | string,
): DockerApiError {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let json: unknown;
  let message = text.trim() || `HTTP ${status}`;
  try {
    json = JSON.parse(text);
    const m = (json as { message?: unknown } | null)?.message;
    if (typeof m === 'string') message = m;
  } catch {
    json = text;
  }
  return new DockerApiError(daemon, op, status, message, json);
}

export function badAnswer(daemon: string, op: DockerOperation): DockerTransportError {
  return new DockerTransportError(daemon, op, 'EBADANSWER', `${op}: the daemon's JSON answer did not parse`);
}

function cutShort(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('the answer was cut short');
  e.code = 'ECONNRESET';
  return e;
}

export function abortError(op: string): Error {
  const e = new Error(`${op} aborted by the caller`);
  e.name = 'AbortError';
  return e;
}

/** Reads a stream to a string of at most `limit` bytes (the rest is dropped). */
export function readBounded(res: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < limit) chunks.push(chunk.subarray(0, limit - size));
      size += chunk.length;
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}
