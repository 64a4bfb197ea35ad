/**
 * Daemon configuration: parsed and validated once at start-up, then passed down.
 *
 * A daemon has a name (`local` is the node-local one) and a host URL: `unix:///path`, `tcp://h:p`,
 * or `tcp://h:p` with TLS files. Timeouts, breaker and bulkhead settings have defaults that
 * suit a node-local daemon.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const LOCAL_DAEMON = 'local';

export const TlsConfigSchema = z.object({
  caFile: z.string().min(1),
  certFile: z.string().min(1),
  keyFile: z.string().min(1),
});

export const DaemonConfigSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'a lower-case DNS label'),
  host: z.string().refine((h) => /^unix:\/\/\/.+/.test(h) || /^tcp:\/\/[^/]+:\d+\/?$/.test(h), {
    message: 'unix:///path/to/socket or tcp://host:port',
  }),
  tls: TlsConfigSchema.optional(),
});
export type DaemonConfig = z.infer<typeof DaemonConfigSchema>;

export const PoolOptionsSchema = z.object({
  /** Milliseconds to establish a connection. */
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Milliseconds of silence on a socket before the answer (headers) is given up. */
  headerTimeoutMs: z.number().int().positive().default(10_000),
  /** Milliseconds for a whole short call, headers and body. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Milliseconds for the whole answer to a call that changes a container (create, start, stop,
   * kill, remove). Kubelet gives its runtime two minutes for such calls; one minute is ample
   * for a local daemon and still ends a hung one.
   */
  containerCallTimeoutMs: z.number().int().positive().default(60_000),
  /** Sockets kept for short API calls, per daemon. */
  controlSockets: z.number().int().positive().default(16),
  /** Sockets for long-lived streams (wait, logs, exec output, pull), per daemon. */
  streamSockets: z.number().int().positive().default(512),
  /** Consecutive daemon faults that open the breaker. */
  breakerThreshold: z.number().int().positive().default(10),
  /** Milliseconds an open breaker waits before letting one trial call through. */
  halfOpenAfterMs: z.number().int().positive().default(30_000),
  /** Concurrent calls per daemon (streams count only while they are being opened). */
  bulkheadLimit: z.number().int().positive().default(200),
  /** Calls waiting for a bulkhead slot; more are refused at once. */
  bulkheadQueue: z.number().int().nonnegative().default(1_000),
});
export type PoolOptions = z.infer<typeof PoolOptionsSchema>;
export type PoolOptionsInput = z.input<typeof PoolOptionsSchema>;

/** Where and how to connect: the resolved form of a DaemonConfig. */
export type Endpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; hostname: string; port: number }
  | { kind: 'tls'; hostname: string; port: number; ca: Buffer; cert: Buffer; key: Buffer };

export class DaemonConfigError extends Error {
  readonly reason = 'InvalidDaemonConfig';
  constructor(message: string) {
    super(message);
    this.name = 'DaemonConfigError';
  }
}

/** Validates a daemon configuration; throws DaemonConfigError naming the field. */
export function parseDaemonConfig(input: unknown): DaemonConfig {
  const r = DaemonConfigSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new DaemonConfigError(`daemon config ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (r.data.tls && !r.data.host.startsWith('tcp://')) {
    throw new DaemonConfigError(`daemon "${r.data.name}": tls needs a tcp:// host`);
  }
  return r.data;
}

/**
 * The `local` daemon: DOCKER_HOST as read once at start-up by the caller (never read here), or the
 * default socket. A plain `/path` is taken as a unix socket.
 */
export function localDaemonConfig(dockerHost?: string): DaemonConfig {
  let host = dockerHost?.trim() || `unix://${DEFAULT_SOCKET}`;
  if (host.startsWith('/')) host = `unix://${host}`;
  return parseDaemonConfig({ name: LOCAL_DAEMON, host });
}

/** Resolves the endpoint, reading TLS files (start-up only). */
export function resolveEndpoint(config: DaemonConfig): Endpoint {
  if (config.host.startsWith('unix://')) {
    return { kind: 'unix', socketPath: config.host.slice('unix://'.length) };
  }
  const url = new URL(config.host.replace(/^tcp:/, 'http:'));
  const port = Number(url.port);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!config.tls) return { kind: 'tcp', hostname, port };
  const read = (field: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new DaemonConfigError(
        `daemon "${config.name}" tls.${field}: cannot read ${file}: ${(e as Error).message}`,
      );
    }
  };
  return {
    kind: 'tls',
    hostname,
    port,
    ca: read('caFile', config.tls.caFile),
    cert: read('certFile', config.tls.certFile),
    key: read('keyFile', config.tls.keyFile),
  };
}

export function parsePoolOptions(input: PoolOptionsInput = {}): PoolOptions {
  const r = PoolOptionsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new DaemonConfigError(`pool option ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}
