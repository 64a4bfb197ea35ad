/**
 * The plugin's connection: the Kubernetes API as kubectl would reach it (the kubeconfig's current
 * or given context, its credentials applied by client-node), and the operator's output API with
 * the same user's bearer token. Every call has a timeout; answers are bounded.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export class PluginError extends Error {}

export interface PluginKube {
  namespace: string;
  /** JSON call to the API server; throws PluginError with the server's message when not 2xx. */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T>;
  /** A watch stream: calls onEvent per event until it returns true (done), the stream ends or the timeout. */
  watch(
    path: string,
    onEvent: (e: { type: string; object: Record<string, unknown> }) => boolean,
    timeoutMs: number,
  ): Promise<boolean>;
  /** GET on the output API (dashboard), streamed to onChunk. */
  output(path: string, onChunk: (b: Buffer) => void, timeoutMs: number): Promise<void>;
}

export async function connect(opts: {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  dashboard?: string;
  env: NodeJS.ProcessEnv;
}): Promise<PluginKube> {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (e) {
    throw new PluginError(`kubeconfig: ${(e as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new PluginError('kubeconfig: no current cluster (use --context or --kubeconfig)');
  const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace;
  const namespace = opts.namespace ?? contextNs ?? 'default';
  const server = cluster.server.replace(/\/+$/, '');
  const dashboard = (opts.dashboard ?? opts.env.OFELIA_DASHBOARD_URL ?? 'http://127.0.0.1:8081').replace(
    /\/+$/,
    '',
  );
  const token = kc.getCurrentUser()?.token;

  async function open(
    base: string,
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    timeoutMs: number,
    auth: 'kube' | 'bearer',
  ): Promise<IncomingMessage> {
    const url = new URL(base + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const ro: RequestOptions = { method, headers: { Accept: 'application/json' } };
    if (auth === 'kube') await kc.applyToHTTPSOptions(ro);
    else if (token) (ro.headers as Record<string, string>).Authorization = `Bearer ${token}`;
    else throw new PluginError('the output API needs a bearer token in the kubeconfig user');
    if (payload) {
      (ro.headers as Record<string, string>)['Content-Type'] = contentType ?? 'application/json';
      (ro.headers as Record<string, string>)['Content-Length'] = String(payload.length);
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { ...ro, timeout: timeoutMs }, resolve);
      req.on('timeout', () =>
        req.destroy(
          new PluginError(`${method} ${url.origin}${url.pathname}: no answer within ${timeoutMs / 1000}s`),
        ),
      );
      req.on('error', (e) =>
        reject(e instanceof PluginError ? e : new PluginError(`${url.origin}: ${e.message}`)),
      );
      req.end(payload);
    });
  }

  async function readJson(res: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res) {
      size += (c as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new PluginError('answer too large');
      chunks.push(c as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return { message: text.slice(0, 300) };
    }
  }

  return {
    namespace,
    async call<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
      const res = await open(server, method, path, body, contentType, 30_000, 'kube');
      const json = await readJson(res);
      if ((res.statusCode ?? 0) >= 300)
        throw new PluginError(`Error from server (${json.reason ?? res.statusCode}): ${json.message ?? ''}`);
      return json as T;
    },
    async watch(path, onEvent, timeoutMs) {
      const res = await open(server, 'GET', path, undefined, undefined, timeoutMs, 'kube');
      if (res.statusCode !== 200) {
        const json = await readJson(res);
        throw new PluginError(`Error from server (${json.reason ?? res.statusCode}): ${json.message ?? ''}`);
      }
      let buf = '';
      for await (const c of res) {
        buf += (c as Buffer).toString('utf8');
        if (buf.length > MAX_BODY_BYTES) throw new PluginError('watch event too large');
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line && onEvent(JSON.parse(line))) {
            res.destroy();
            return true;
          }
          nl = buf.indexOf('\n');
        }
      }
      return false;
    },
    async output(path, onChunk, timeoutMs) {
      // A run another replica ran is relayed by the replica asked (it follows no redirect, so
      // the token goes to the one dashboard URL the user chose and nowhere else).
      const res = await open(dashboard, 'GET', path, undefined, undefined, timeoutMs, 'bearer');
      if (res.statusCode !== 200) {
        const json = await readJson(res);
        throw new PluginError(
          `Error from the operator (${json.reason ?? res.statusCode}): ${json.message ?? ''}`,
        );
      }
      for await (const c of res) onChunk(c as Buffer);
    },
  };
}
