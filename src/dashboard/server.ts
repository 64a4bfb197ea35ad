/**
 * The dashboard's HTTP(S) server: the static app, login/logout, the live job feed, job details,
 * actions and the output API (the same one `kubectl sdj logs` reads).
 *
 * Authentication: a session cookie (after logging in with a token) or `Authorization: Bearer`
 * (the kubectl plugin). Every Kubernetes read and write is made with THAT user's token
 * (user-kube.ts), so the API server decides; the operator's own credentials are never used for a
 * user's request. Output of a run is shown only to a user whose token may read its job; output a
 * peer replica keeps is fetched from it with that same user's token and relayed (peer-output.ts).
 * Security: HttpOnly + SameSite=Strict cookie (+Secure over TLS); actions with a cookie need the
 * session's CSRF token in `X-CSRF-Token` and a same-origin `Origin` when one is sent; a strict
 * Content-Security-Policy; tokens never in URLs, logs or answers; request logs carry the path
 * without its query. Bounds: request bodies 16 KiB, logins checked at most 8 at a time, at most
 * 256 live feeds and followed outputs at once, sessions
 * bounded (sessions.ts), the feed's per-tab buffer bounded (job-feed.ts), every API call timed out.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { GROUP, PLURAL, RUN_NOW_ANNOTATION, VERSION } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { OutputStore } from '../output/output-store.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { type Assets, loadAssets } from './assets.ts';
import { serveJobFeed } from './job-feed.ts';
import { readJobNotifiers } from './job-notifiers.ts';
import { PeerRelayError, RELAYED_HEADER, relayPeerOutput } from './peer-output.ts';
import { csrfMatches, type Session, SessionStore } from './sessions.ts';
import { type ClusterEndpoint, UserKube } from './user-kube.ts';

export const SESSION_COOKIE = 'sdj_session';
const MAX_BODY_BYTES = 16 * 1024;
const MAX_LOGINS_IN_FLIGHT = 8;
/** Long-lived streams at once (live feeds, followed output): each holds API watches or a file. */
const MAX_STREAMS = 256;
const NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A node name as Kubernetes allows it (DNS subdomain); anything else is never put into a peer URL. */
const NODE_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/i;

export interface DashboardOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  /** Where the Kubernetes API is (from the operator's kubeconfig: server and CA only). */
  endpoint: ClusterEndpoint;
  /** The output store of this replica (undefined: none kept). */
  output: OutputStore | undefined;
  /** This replica's node name (run records name the node that ran them). */
  nodeName: string;
  /**
   * The dashboard URL of the replica on a node, `{node}` replaced by its name: output of a run
   * another node ran is fetched from there with the user's token and relayed (peer-output.ts).
   * Undefined: such a request is a 404 naming the node.
   */
  peerUrl?: string;
  /**
   * Which node names are replicas of this operator (cluster mode: live member Leases). Output is
   * relayed, with the user's token, only from those: a run record's `node` is status anyone who
   * may write it could set, and must not send tokens to a host of their choosing. Undefined (no
   * membership, e.g. --leader-elect): node names are only checked to be plain DNS names.
   */
  isPeer?: (node: string) => boolean;
  /** Deadlines of a relayed output request (defaults: headers 10 s, idle 30 s when not followed). */
  peerTimeouts?: { headersTimeoutMs?: number; idleTimeoutMs?: number };
  log: Logger;
  clock?: Clock;
  /** Kubernetes API call timeout (default 15 s). */
  apiTimeoutMs?: number;
}

export interface Dashboard {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Auth = { session: Session | undefined; token: string };

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const clock = opts.clock ?? systemClock;
  const assets = loadAssets();
  const sessions = new SessionStore({ clock });
  const secure = opts.tls !== undefined;
  const csp = [
    "default-src 'none'",
    `script-src 'self' ${assets.importMapHash}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  let loginsInFlight = 0;
  let streams = 0;
  /** Counts a long-lived answer until its socket closes; refuses past MAX_STREAMS. */
  const holdStream = (res: ServerResponse) => {
    if (streams >= MAX_STREAMS)
      throw new HttpError(503, 'TooManyStreams', 'too many live views open; try again later');
    streams++;
    res.on('close', () => streams--);
  };
  const kubeFor = (token: string) => new UserKube(opts.endpoint, token, { timeoutMs: opts.apiTimeoutMs });

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    route(req, res)
      .catch((e: unknown) => {
        const err =
          e instanceof HttpError
            ? e
            : new HttpError(500, 'InternalError', 'internal error (see the operator log)');
        if (!(e instanceof HttpError))
          opts.log.warn({ err: e, path: pathOf(req) }, 'dashboard request failed');
        if (!res.headersSent) sendJson(res, err.status, { reason: err.reason, message: err.message });
        else res.destroy();
      })
      .finally(() => {
        // The path only: queries are never logged, and tokens are never in either.
        opts.log.debug(
          {
            method: req.method,
            path: pathOf(req),
            code: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'dashboard request',
        );
      });
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/' || path === '/index.html'))
      return sendAsset(req, res, assets.index, true);
    if (method === 'GET' && (path.startsWith('/static/') || path.startsWith('/vendor/'))) {
      const a = assets.files.get(path);
      if (!a) throw new HttpError(404, 'NotFound', `no such file: ${path}`);
      return sendAsset(req, res, a, false);
    }
    // Links in notifications (--notify-dashboard-url) name a job as /jobs/NAMESPACE/NAME.
    const link = method === 'GET' ? /^\/jobs\/([^/]+)\/([^/]+)$/.exec(path) : null;
    if (link) {
      const ns = checkName(decodeURIComponent(link[1]!), 'namespace');
      const name = checkName(decodeURIComponent(link[2]!), 'name');
      res.writeHead(302, { Location: `/#/job/${ns}/${name}` });
      res.end();
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpError(404, 'NotFound', `no such page: ${path}`);
    res.setHeader('Cache-Control', 'no-store');

    if (path === '/api/login' && method === 'POST') return login(req, res);
    const auth = authenticate(req);
    if (path === '/api/session' && method === 'GET') {
      if (!auth?.session) throw new HttpError(401, 'Unauthorized', 'not logged in');
      return sendJson(res, 200, { csrf: auth.session.csrf, node: opts.nodeName });
    }
    if (!auth) throw new HttpError(401, 'Unauthorized', 'log in with a token first');
    if (path === '/api/logout' && method === 'POST') {
      checkAction(req, auth);
      if (auth.session) sessions.delete(auth.session.id);
      res.setHeader('Set-Cookie', cookie('', 0));
      return sendJson(res, 200, { loggedOut: true });
    }
    if (path === '/api/feed' && method === 'GET') {
      holdStream(res);
      serveJobFeed(kubeFor(auth.token), res, { log: opts.log, clock });
      return;
    }
    const m = /^\/api\/jobs\/([^/]+)\/([^/]+)(?:\/(run-now|suspend|resume)|\/runs\/([^/]+)\/output)?$/.exec(
      path,
    );
    if (!m) throw new HttpError(404, 'NotFound', `no such API: ${method} ${path}`);
    const namespace = checkName(decodeURIComponent(m[1]!), 'namespace');
    const name = checkName(decodeURIComponent(m[2]!), 'name');
    const kube = kubeFor(auth.token);
    const jobPath = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}/${name}`;
    if (m[3]) {
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', `${m[3]} takes POST`);
      checkAction(req, auth);
      const patch =
        m[3] === 'run-now'
          ? { metadata: { annotations: { [RUN_NOW_ANNOTATION]: new Date(clock.now()).toISOString() } } }
          : { spec: { suspend: m[3] === 'suspend' } };
      const r = await kube.request<Record<string, unknown>>('PATCH', jobPath, {
        body: patch,
        contentType: 'application/merge-patch+json',
      });
      if (r.status !== 200) throw kubeRefusal(r.status, r.body);
      opts.log.info({ namespace, job: name, action: m[3] }, 'dashboard action');
      return sendJson(res, 200, { done: m[3] });
    }
    if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `${path} takes GET`);
    // Reading the job with the user's token is the authorization check for everything below.
    const jobAnswer = await kube.request<Record<string, unknown>>('GET', jobPath);
    if (jobAnswer.status !== 200) throw kubeRefusal(jobAnswer.status, jobAnswer.body);
    const job = jobAnswer.body;
    if (m[4])
      return serveOutput(
        req,
        res,
        auth,
        url,
        namespace,
        name,
        checkName(decodeURIComponent(m[4]), 'run'),
        job,
      );
    const [events, notifiers] = await Promise.all([
      kube.request<{ items?: Record<string, unknown>[] }>(
        'GET',
        `/api/v1/namespaces/${namespace}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${name}`)}&limit=200`,
      ),
      readJobNotifiers(kube, namespace, job),
    ]);
    return sendJson(res, 200, {
      job,
      specYaml: toYaml(job.spec ?? {}),
      events: events.status === 200 ? (events.body.items ?? []) : [],
      notifiers,
      storedRuns: opts.output?.runs(namespace, name) ?? [],
      node: opts.nodeName,
    });
  }

  async function serveOutput(
    req: IncomingMessage,
    res: ServerResponse,
    auth: Auth,
    url: URL,
    namespace: string,
    job: string,
    run: string,
    jobObject: Record<string, unknown>,
  ): Promise<void> {
    const follow = url.searchParams.get('follow') === '1' || url.searchParams.get('follow') === 'true';
    if (follow) holdStream(res);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const chunks = opts.output?.read(namespace, job, run, { follow, signal: abort.signal });
    if (!chunks) {
      type Where = { name: string; node?: string };
      const status = (jobObject.status ?? {}) as { active?: Where[]; recentRuns?: Where[] };
      // A running run (followed with -f) is in `active`, a finished one in `recentRuns`.
      const record = [...(status.active ?? []), ...(status.recentRuns ?? [])].find((r) => r.name === run);
      if (record?.node && record.node !== opts.nodeName) {
        // Relayed once at most: a request a peer relayed is answered from this store or not at all.
        if (opts.peerUrl && req.headers[RELAYED_HEADER] === undefined) {
          if (!NODE_RE.test(record.node) || (opts.isPeer && !opts.isPeer(record.node)))
            throw new HttpError(
              404,
              'OnOtherNode',
              `run ${run} ran on node ${record.node.slice(0, 253)}, which is not a live replica of this operator; its output cannot be fetched`,
            );
          // The replica that ran it keeps its output: ask it with the user's own token and stream
          // its answer back (peer-output.ts), so a browser session on this replica works too.
          const target = new URL(
            opts.peerUrl.replaceAll('{node}', encodeURIComponent(record.node)) + url.pathname + url.search,
          );
          opts.log.debug({ namespace, job, run, node: record.node }, 'dashboard output relayed from peer');
          return relayPeerOutput(res, {
            url: target,
            token: auth.token,
            peerNode: record.node,
            fromNode: opts.nodeName,
            follow,
            signal: abort.signal,
            ...opts.peerTimeouts,
          }).catch((e: unknown) => {
            if (e instanceof PeerRelayError) throw new HttpError(e.status, e.reason, e.message);
            throw e;
          });
        }
        throw new HttpError(
          404,
          'OnOtherNode',
          `run ${run} ran on node ${record.node}; its output is kept by the operator replica on that node`,
        );
      }
      throw new HttpError(404, 'NotFound', `no stored output for run ${run} of ${namespace}/${job}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Accel-Buffering': 'no' });
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await once(res, 'drain', { signal: abort.signal }).catch(() => undefined);
      if (abort.signal.aborted) return;
    }
    res.end();
  }

  function authenticate(req: IncomingMessage): Auth | undefined {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) {
      const token = h.slice(7).trim();
      return token ? { session: undefined, token } : undefined;
    }
    const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    return session ? { session, token: session.token } : undefined;
  }

  /** Cookie-authenticated actions need the CSRF token; any action a same-origin Origin. */
  function checkAction(req: IncomingMessage, auth: Auth): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `${secure ? 'https' : 'http'}://${req.headers.host}`) {
      throw new HttpError(403, 'CrossOrigin', 'request from another origin refused');
    }
    if (auth.session && !csrfMatches(auth.session, headerValue(req.headers['x-csrf-token']))) {
      throw new HttpError(403, 'CsrfTokenInvalid', 'missing or wrong X-CSRF-Token');
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `${secure ? 'https' : 'http'}://${req.headers.host}`) {
      throw new HttpError(403, 'CrossOrigin', 'login from another origin refused');
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new HttpError(415, 'UnsupportedMediaType', 'login takes application/json: {"token": "..."}');
    }
    const body = await readBody(req);
    let token: unknown;
    try {
      token = (JSON.parse(body) as { token?: unknown }).token;
    } catch {
      throw new HttpError(400, 'BadRequest', 'body: not JSON');
    }
    if (typeof token !== 'string' || token.trim() === '' || token.length > 4096) {
      throw new HttpError(400, 'BadRequest', 'token: expected a non-empty string of at most 4096 characters');
    }
    if (loginsInFlight >= MAX_LOGINS_IN_FLIGHT)
      throw new HttpError(429, 'TooManyRequests', 'too many logins at once');
    loginsInFlight++;
    let status: number;
    try {
      // Any answer but 401 means the API server knows this token (403: it may not list everything).
      status = (await kubeFor(token.trim()).request('GET', `/apis/${GROUP}/${VERSION}/${PLURAL}?limit=1`))
        .status;
    } finally {
      loginsInFlight--;
    }
    if (status === 401) throw new HttpError(401, 'Unauthorized', 'the API server does not accept this token');
    if (status >= 500 || status === 0)
      throw new HttpError(502, 'ApiUnavailable', `the API server answered ${status}`);
    const s = sessions.create(token.trim());
    res.setHeader('Set-Cookie', cookie(s.id, 24 * 3600));
    opts.log.info({}, 'dashboard login');
    sendJson(res, 200, { csrf: s.csrf, node: opts.nodeName });
  }

  function cookie(value: string, maxAgeSeconds: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  }

  const server: Server = opts.tls
    ? createHttpsServer(
        { cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) },
        handler,
      )
    : createHttpServer(handler);
  server.requestTimeout = 0; // the feed and followed output are long-lived; idle sockets still time out
  server.headersTimeout = 10_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    url: `${secure ? 'https' : 'http'}://${host}:${port}`,
    port,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

function sendAsset(req: IncomingMessage, res: ServerResponse, a: Assets['index'], isPage: boolean): void {
  res.setHeader('Cache-Control', isPage ? 'no-store' : 'no-cache');
  res.setHeader('ETag', a.etag);
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': a.contentType, 'Content-Length': a.body.length });
  res.end(a.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function kubeRefusal(status: number, body: Record<string, unknown>): HttpError {
  const message = typeof body.message === 'string' ? body.message : `the API server answered ${status}`;
  const reason = typeof body.reason === 'string' ? body.reason : 'ApiError';
  return new HttpError(status >= 400 && status < 600 ? status : 502, reason, message);
}

function checkName(value: string, field: string): string {
  if (!NAME_RE.test(value))
    throw new HttpError(400, 'BadRequest', `${field}: not a valid name: "${value.slice(0, 64)}"`);
  return value;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]!;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'TooLarge', `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
