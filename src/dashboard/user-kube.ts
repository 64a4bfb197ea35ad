/**
 * The Kubernetes API as one dashboard user: every call carries THAT user's bearer token (never
 * the operator's), so the API server's authorization (RBAC in a cluster, token scopes in embedded
 * mode) decides what the dashboard may show or change for them.
 *
 * In: the cluster endpoint (server URL and CA, taken from the operator's own kubeconfig — only
 * where to connect, never its credentials) and the user's token. Out: JSON answers with their
 * status, and watch streams as parsed events.
 * Bounds: every call has a timeout (a watch: an idle timeout), answers at most `maxBodyBytes`,
 * a watch line at most `maxBodyBytes`. Never logs or returns the token.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';

export interface ClusterEndpoint {
  server: string;
  agent: Agent | undefined;
}

/**
 * Where the operator connects to, server and CA only: a kubeconfig's current cluster (client-node's
 * `Cluster` has this shape) or the embedded API server's address. Plain data, so the dashboard
 * loads no client-node.
 */
export interface ClusterAddress {
  server: string;
  /** The CA, base64 PEM. */
  caData?: string;
  caFile?: string;
  skipTLSVerify?: boolean;
}

/** The endpoint the dashboard relays users' calls to. */
export function endpointFrom(c: ClusterAddress | null | undefined): ClusterEndpoint {
  if (!c) throw new Error('the kubeconfig has no current cluster');
  let ca: string | Buffer | undefined;
  if (c.caData) ca = Buffer.from(c.caData, 'base64');
  else if (c.caFile) ca = readFileSync(c.caFile);
  const agent = c.server.startsWith('https:')
    ? new Agent({ ca, rejectUnauthorized: !c.skipTLSVerify, keepAlive: true, maxSockets: 64 })
    : undefined;
  return { server: c.server.replace(/\/+$/, ''), agent };
}

export class KubeRequestError extends Error {
  readonly reason = 'KubeRequestFailed';
}

export interface KubeAnswer<T = unknown> {
  status: number;
  body: T;
}

export interface UserKubeOptions {
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export type WatchEvent = {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
};

export class UserKube {
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(
    private readonly endpoint: ClusterEndpoint,
    private readonly token: string,
    opts: UserKubeOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<KubeAnswer<T>> {
    const res = await this.open(method, path, opts.body, opts.contentType, opts.signal, this.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > this.maxBodyBytes) {
        res.destroy();
        throw new KubeRequestError(`${method} ${path}: answer larger than ${this.maxBodyBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text.slice(0, 500) };
    }
    return { status: res.statusCode ?? 0, body: body as T };
  }

  /**
   * Watches `path` (a list path) from `resourceVersion`, calling `onEvent` per event, until the
   * server ends the stream, `signal` aborts, or nothing (not even a bookmark) came for `idleMs`.
   * Resolves with the HTTP status (200 for a watch that ran).
   */
  async watch(
    path: string,
    resourceVersion: string,
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
    idleMs = 120_000,
  ): Promise<number> {
    const sep = path.includes('?') ? '&' : '?';
    const url = `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    const res = await this.open('GET', url, undefined, undefined, signal, idleMs);
    if (res.statusCode !== 200) {
      res.resume();
      return res.statusCode ?? 0;
    }
    let buffered = '';
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      if (buffered.length > this.maxBodyBytes) throw new KubeRequestError('watch event too large');
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent);
        nl = buffered.indexOf('\n');
      }
    }
    return 200;
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
    idleMs: number,
  ): Promise<IncomingMessage> {
    const url = new URL(this.endpoint.server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.token}`,
      Accept: 'application/json',
    };
    if (payload) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method, headers, agent: this.endpoint.agent, signal, timeout: idleMs },
        resolve,
      );
      // An idle socket (no bytes for idleMs) fails the call; for a watch bookmarks keep it busy.
      req.on('timeout', () =>
        req.destroy(new KubeRequestError(`${method} ${url.pathname}: no answer within ${idleMs} ms`)),
      );
      req.on('error', (e) =>
        reject(
          e instanceof KubeRequestError ? e : new KubeRequestError(`${method} ${url.pathname}: ${e.message}`),
        ),
      );
      req.end(payload);
    });
  }
}
