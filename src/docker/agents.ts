/**
 * The two socket pools of a daemon: `control` for short API calls (few sockets, reused) and
 * `stream` for calls that hold a socket for a container's life (wait, logs --follow, exec output,
 * pull). Keeping them apart is what lets a ping answer while hundreds of waits are in flight
 * (docs/adr/0003-stream-control-socket-split.md).
 */
import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import type { Endpoint } from './config.ts';

export type PoolName = 'control' | 'stream';

export interface DaemonAgents {
  control: http.Agent;
  stream: http.Agent;
  /** Base request options for the endpoint (socketPath or host/port). */
  target: http.RequestOptions;
  /** http or https request function. */
  request: typeof http.request;
}

/** Sockets currently lent out to requests, over all origins of the agent. */
export function socketsInUse(agent: http.Agent): number {
  let n = 0;
  for (const list of Object.values(agent.sockets)) n += list?.length ?? 0;
  return n;
}

export function createAgents(
  endpoint: Endpoint,
  limits: { controlSockets: number; streamSockets: number },
): DaemonAgents {
  const make = (pool: PoolName, maxSockets: number): http.Agent => {
    const options: https.AgentOptions = {
      keepAlive: true,
      // LIFO keeps a few hot sockets busy and lets the rest idle out.
      scheduling: 'lifo',
      maxSockets,
      maxFreeSockets: pool === 'control' ? maxSockets : Math.min(maxSockets, 32),
    };
    let agent: http.Agent;
    if (endpoint.kind === 'tls') {
      agent = new https.Agent({ ...options, ca: endpoint.ca, cert: endpoint.cert, key: endpoint.key });
    } else {
      agent = new http.Agent(options);
    }
    // Anything that logs request options with util.inspect (docker-modem does, for every call)
    // would otherwise walk the agent's socket tables: a short label is enough.
    Object.defineProperty(agent, inspect.custom, { value: () => `Agent(${pool})`, enumerable: false });
    return agent;
  };
  const target: http.RequestOptions =
    endpoint.kind === 'unix'
      ? { socketPath: endpoint.socketPath }
      : { hostname: endpoint.hostname, port: endpoint.port };
  return {
    control: make('control', limits.controlSockets),
    stream: make('stream', limits.streamSockets),
    target,
    request: endpoint.kind === 'tls' ? https.request : http.request,
  };
}
