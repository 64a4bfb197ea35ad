/**
 * An API server whose authorization forbids some resources, for tests: a plain-HTTP proxy on
 * loopback in front of the real (embedded) API server that answers the paths matching `forbid`
 * with the 403 Status an RBAC-enabled API server sends ("... is forbidden: ... cannot list
 * resource ..."), and passes everything else through unchanged, streamed (watches included).
 * The embedded server knows only full and read-only tokens; this stands for RBAC's finer grain.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, request } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface ForbiddingProxy {
  url: string;
  /** Requests refused so far (their paths, without the query). */
  refused: string[];
  close(): Promise<void>;
}

export async function startForbiddingProxy(kubeconfig: string, forbid: RegExp): Promise<ForbiddingProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.caData) throw new Error('forbidding proxy: the kubeconfig has no CA data');
  const target = new URL(cluster.server);
  const agent = new Agent({ ca: Buffer.from(cluster.caData, 'base64'), keepAlive: true });
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (forbid.test(path)) {
      refused.push(path);
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: `jobnotifiers.ofelia.dev is forbidden: User "viewer" cannot list resource "jobnotifiers" in API group "ofelia.dev"`,
      });
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(body);
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
        timeout: 130_000,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('timeout', () => up.destroy(new Error('upstream timeout')));
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
