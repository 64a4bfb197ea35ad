/**
 * The operator's observability endpoint (plain HTTP, node:http):
 *   GET /metrics  the Prometheus registry in text format
 *   GET /healthz  liveness: the process answers and its event loop is not stalled
 *   GET /readyz   readiness: informer synced, leader state known, Docker reachable ...
 * `?verbose` on /healthz and /readyz lists every check, as the Kubernetes API server does;
 * a failing endpoint answers 503 with the failing checks and their reasons.
 * It never changes state: every route is a read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.ts';
import { type Checker, formatOutcomes, runChecks } from './checker.ts';
import { ConnectionBudget } from './connection-budget.ts';

/** A scraper and a few probes; never thousands of connections. */
const MAX_CONNECTIONS = 64;

export interface ObservabilityServerOptions {
  listen: { host: string; port: number };
  registry: Registry;
  /** Liveness checks (/healthz). */
  liveness: readonly Checker[];
  /** Readiness checks (/readyz); the list may grow after start (see `addReadiness`). */
  readiness: readonly Checker[];
  logger: Logger;
  /** Bound on each check, milliseconds. */
  checkTimeoutMs?: number;
  /** Bound on serving one request (slow clients), milliseconds. */
  requestTimeoutMs?: number;
}

export interface ObservabilityServer {
  readonly url: string;
  readonly port: number;
  /** Adds a readiness check (parts of the operator that start later register theirs). */
  addReadiness(checker: Checker): void;
  close(): Promise<void>;
}

export class ListenError extends Error {
  readonly reason = 'ListenFailed';
  constructor(
    readonly address: string,
    message: string,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

export async function startObservabilityServer(
  opts: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const readiness = [...opts.readiness];
  const checkTimeoutMs = opts.checkTimeoutMs ?? 3_000;
  const log = opts.logger;

  const budget = new ConnectionBudget<Socket>(MAX_CONNECTIONS);
  const server: Server = createServer((req, res) => {
    const socket = req.socket;
    budget.requestStarted(socket);
    res.once('close', () => budget.requestEnded(socket));
    handle(req, res).catch((e: unknown) => {
      log.error({ err: e, path: req.url }, 'observability request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.requestTimeout = opts.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(server.requestTimeout, 10_000);
  server.keepAliveTimeout = 5_000;
  // Bounded, but idle sockets give way to new connections: probes always get through.
  server.on('connection', (socket: Socket) => budget.admit(socket));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (url.pathname) {
      case '/metrics': {
        const body = await opts.registry.metrics();
        send(res, 200, opts.registry.contentType, body, req.method === 'HEAD');
        return;
      }
      case '/healthz':
      case '/livez':
        await answerChecks(req, res, url, 'healthz', opts.liveness);
        return;
      case '/readyz':
        await answerChecks(req, res, url, 'readyz', [...opts.liveness, ...readiness]);
        return;
      default:
        send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
    }
  }

  async function answerChecks(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    endpoint: string,
    checkers: readonly Checker[],
  ): Promise<void> {
    const outcomes = await runChecks(checkers, checkTimeoutMs);
    const verbose = url.searchParams.has('verbose');
    const failing = outcomes.filter((o) => !o.ok);
    if (failing.length > 0) {
      log.debug({ endpoint, failing }, 'health check failed');
    }
    send(
      res,
      failing.length === 0 ? 200 : 503,
      'text/plain; charset=utf-8',
      formatOutcomes(endpoint, outcomes, verbose),
      req.method === 'HEAD',
    );
  }

  const address = `${opts.listen.host}:${opts.listen.port}`;
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(new ListenError(address, `cannot listen on ${address}: ${e.code ?? e.message}`));
    server.once('error', onError);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host;

  return {
    url: `http://${host}:${port}`,
    port,
    addReadiness(checker) {
      readiness.push(checker);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headOnly = false,
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}
