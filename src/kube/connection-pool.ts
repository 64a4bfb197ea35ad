/**
 * Keep-alive connections for client-node's API calls.
 *
 * client-node (1.x) builds a new `https.Agent` for EVERY call (`KubeConfig.createAgent` in
 * `applySecurityAuthentication`): every status write, finalizer patch or Lease renewal opened a new
 * TLS connection, with a new SecureContext (parsing the CA) and a full handshake, on both sides in
 * embedded mode. Profiled at 10,000 jobs, TLS set-up was the largest single cost of a status write.
 *
 * `pooledAuth(kubeConfig)` is an auth method for client-node's generated clients: it lets the
 * KubeConfig apply everything it applies today (token or client certificate, re-read per call, so
 * a rotated token file is still picked up), then swaps the per-call agent for a shared keep-alive
 * one with the same TLS options. A change of those options (a rotated client certificate or CA)
 * gets a new agent; the old one's sockets finish their requests and are closed by the server when
 * idle. Proxies keep client-node's own agent.
 * Bounded: at most `maxSockets` connections per agent, idle ones closed by Node's agent.
 */
import { type AgentOptions, Agent as HttpsAgent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext, SecurityAuthentication } from '@kubernetes/client-node/dist/gen/index.js';

/** Connections per API server at once (status writes in flight, finalizers, leases, events). */
const MAX_SOCKETS = 16;

const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

export function pooledAuth(kubeConfig: KubeConfig): SecurityAuthentication {
  let current: { key: string; agent: HttpsAgent } | undefined;
  return {
    getName: () => 'default',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await kubeConfig.applySecurityAuthentication(context);
      const perCall = context.getAgent();
      if (!(perCall instanceof HttpsAgent) || kubeConfig.getCurrentCluster()?.proxyUrl) return;
      const options = perCall.options as AgentOptions;
      const key = JSON.stringify(TLS_KEYS.map((k) => String(options[k] ?? '')));
      if (current?.key !== key) {
        current = {
          key,
          agent: new HttpsAgent({
            ...pick(options),
            keepAlive: true,
            maxSockets: MAX_SOCKETS,
            maxFreeSockets: MAX_SOCKETS,
            scheduling: 'lifo',
          }),
        };
      }
      context.setAgent(current.agent);
    },
  };
}

function pick(options: AgentOptions): AgentOptions {
  const out: AgentOptions = {};
  for (const k of TLS_KEYS) if (options[k] !== undefined) (out as Record<string, unknown>)[k] = options[k];
  return out;
}
