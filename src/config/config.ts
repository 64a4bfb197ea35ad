/**
 * Operator configuration: `parseConfig(argv, env, io)` turns flags and environment variables
 * into a validated `Config` or a `ConfigError` naming the flag (or variable) and the reason.
 * A flag wins over its environment variable, which wins over the default. Pure apart from reading
 * the --docker-config file through `io.readFile`; it never reads `process.env` or the real
 * hostname itself, and it never picks up KUBECONFIG or ~/.kube/config.
 */
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { z } from 'zod';
import { POLICY_LEVELS, type SecurityPolicy } from '../api/security-policy.ts';
import { type DaemonConfig, localDaemonConfig, type PoolOptions } from '../docker/config.ts';
import { DaemonSpecError, mergeDaemons, parseDaemonFile, parseDaemonSpec } from './daemons.ts';
import { FLAGS, type FlagSpec, flagSpec } from './flags.ts';
import {
  absolutePath,
  booleanText,
  byteSize,
  dnsLabel,
  duration,
  type HostPort,
  hostPort,
  httpUrl,
  instanceId,
  integer,
  oneOf,
  positiveNumber,
  text,
} from './values.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty', 'auto'] as const;

export interface EmbeddedMode {
  kind: 'embedded';
  dataDir: string;
  listen: HostPort;
  writeKubeconfig: string;
  watchHistory: number;
  /** How the controller reaches its jobs on the embedded server (kube/job-transport.ts). */
  client: EmbeddedClient;
}
export const EMBEDDED_CLIENTS = ['in-process', 'https'] as const;
export type EmbeddedClient = (typeof EMBEDDED_CLIENTS)[number];
export interface KubeconfigMode {
  kind: 'kubeconfig';
  file: string;
}
export interface InClusterMode {
  kind: 'in-cluster';
}
export type Mode = EmbeddedMode | KubeconfigMode | InClusterMode;

/**
 * What the runner may let a job do, as the flags set it: the runner's SecurityPolicy (one shape in
 * src/api, read by both) without the Docker-labels namespace, which the operator adds from its own flag.
 */
export type PolicyConfig = Omit<SecurityPolicy, 'ofeliaLabelsNamespace'>;

export interface Config {
  mode: Mode;
  httpListen: HostPort;
  /** The dashboard (src/dashboard); undefined = off. */
  dashboard:
    | {
        listen: HostPort;
        tls: { certFile: string; keyFile: string } | undefined;
        /** URL template with `{node}` of the other replicas' dashboards (output redirects). */
        peerUrl: string | undefined;
      }
    | undefined;
  /** The output store of recent runs (src/output); undefined = off. */
  output: { dir: string; maxRunBytes: number; maxTotalBytes: number } | undefined;
  log: { level: (typeof LOG_LEVELS)[number]; format: (typeof LOG_FORMATS)[number] };
  docker: { daemons: DaemonConfig[]; pool: PoolOptions };
  runs: {
    maxConcurrentPerDaemon: number;
    /** Runs waiting for a slot, all daemons together. */
    queueLimit: number;
    outputTailBytes: number;
  };
  policy: PolicyConfig;
  /** Policy of the Ofelia-derived job options (runner/policy-host-access.ts). */
  hostAccess: { allowLocalJobs: boolean };
  /** The live Docker-label source (src/labels). */
  dockerLabels: { enabled: boolean; namespace: string; resyncMs: number };
  controller: {
    /** undefined = all namespaces. */
    namespace: string | undefined;
    nodeName: string;
    /**
     * The operator instance owning the containers it creates; undefined = derived at start-up
     * (embedded: persisted in the data directory; cluster: from the server URL and namespace).
     */
    instance: string | undefined;
    leaderElection: { enabled: boolean; namespace: string; name: string };
    /** Cluster mode without leader election: the member Lease duration (src/cluster/). */
    memberLeaseDurationMs: number;
    /** Cluster mode: this replica's weight in the spreading of unplaced jobs. */
    memberWeight: number;
    statusWritesPerSecond: number;
    /** Where finished runs' results are journaled until written; undefined = in memory only. */
    resultsDir: string | undefined;
  };
  notify: {
    /** Folders `save` notifiers may write into. */
    saveDirs: string[];
    /** Base URL of the dashboard for links in messages; undefined = no link. */
    dashboardUrl: string | undefined;
  };
  shutdownGraceMs: number;
}

/** An http(s) URL template naming a replica by `{node}`. */
const peerUrlTemplate = z.string().transform((raw, ctx): string => {
  const v = raw.trim();
  let ok = v.includes('{node}');
  try {
    ok &&= ['http:', 'https:'].includes(new URL(v.replaceAll('{node}', 'node')).protocol);
  } catch {
    ok = false;
  }
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: `expected an http(s) URL with {node} in it, got "${raw}"` });
    return z.NEVER;
  }
  return v.replace(/\/+$/, '');
});

/** Any string, empty included (for flags where empty means off). */
const anyText = z.string();

/** A configuration problem: one line naming where the bad value came from. */
export class ConfigError extends Error {
  readonly reason = 'InvalidConfig';
  constructor(
    /** `--flag` or the environment variable the value came from. */
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigIO {
  /** Reads a file named by a flag (the --docker-config file). */
  readFile(path: string): string;
  /** The machine's hostname, the default node name. */
  hostname: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; error: ConfigError };

type Env = Readonly<Record<string, string | undefined>>;

const ARGS_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries(
  FLAGS.map((f) => [
    f.name,
    { type: f.kind === 'boolean' ? 'boolean' : 'string', multiple: f.kind === 'list' },
  ]),
);

/** One raw value and where it came from, before validation. */
interface Raw {
  value: string;
  source: string;
  given: boolean;
}

class Reader {
  constructor(
    private readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>,
    private readonly env: Env,
  ) {}

  /** Whether the flag or one of its variables was set. */
  given(name: string): boolean {
    return this.raw(flagSpec(name)).given;
  }

  /** The flag or variable the value came from, for errors raised after validation. */
  source(name: string): string {
    return this.raw(flagSpec(name)).source;
  }

  private raw(spec: FlagSpec): Raw {
    const v = this.values[spec.name];
    if (typeof v === 'string') return { value: v, source: `--${spec.name}`, given: true };
    if (v === true) return { value: 'true', source: `--${spec.name}`, given: true };
    for (const name of spec.env) {
      const e = this.env[name];
      if (e !== undefined && e !== '') return { value: e, source: name, given: true };
    }
    return { value: spec.default, source: `--${spec.name}`, given: false };
  }

  /** The validated value of a single-valued or boolean flag. */
  get<T>(name: string, schema: z.ZodType<T, string>, fallback?: string): T {
    const spec = flagSpec(name);
    const raw = this.raw(spec);
    const value = raw.given || fallback === undefined ? raw.value : fallback;
    return check(schema, value, raw.source);
  }

  /** Whether a boolean flag is on (flag present, or its variable says true). */
  flag(name: string): boolean {
    return this.get(name, booleanText);
  }

  /** The raw string of an optional flag, or undefined when neither flag nor variable is set. */
  optional<T>(name: string, schema: z.ZodType<T, string>): T | undefined {
    const raw = this.raw(flagSpec(name));
    return raw.given ? check(schema, raw.value, raw.source) : undefined;
  }

  /** Every value of a repeatable flag; the flag's values replace the variable's. */
  list<T>(name: string, schema: z.ZodType<T, string>): { values: T[]; source: string } {
    const spec = flagSpec(name);
    const v = this.values[spec.name];
    if (Array.isArray(v) && v.length > 0) {
      return { values: v.map((x) => check(schema, String(x), `--${spec.name}`)), source: `--${spec.name}` };
    }
    for (const envName of spec.env) {
      const e = this.env[envName];
      if (e === undefined || e.trim() === '') continue;
      const parts = e
        .split(spec.envSeparator ?? ',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
      return { values: parts.map((p) => check(schema, p, envName)), source: envName };
    }
    return { values: [], source: `--${spec.name}` };
  }
}

function check<T>(schema: z.ZodType<T, string>, value: string, source: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ConfigError(source, r.error.issues[0]?.message ?? 'invalid value');
}

/** Explains parseArgs' own errors in the same one-line form. */
function argsError(e: unknown): ConfigError {
  const err = e as { code?: string; message?: string };
  const message = err.message ?? String(e);
  const named = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(named || 'flags', 'unknown flag (see ofelia-operator run --help)');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError(
        'arguments',
        `unexpected argument "${/'([^']*)'/.exec(message)?.[1] ?? ''}" (run takes only flags)`,
      );
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) {
        return new ConfigError(named, 'takes no value (it is a switch: give it to turn it on)');
      }
      return new ConfigError(named, 'needs a value');
    default:
      return new ConfigError('flags', message.split('\n')[0] ?? message);
  }
}

/** The security policy flags; `run` and `run-once` both read them here, so they mean the same. */
function readPolicy(r: Reader): PolicyConfig {
  const unique = (name: string, schema: z.ZodType<string, string>): string[] => [
    ...new Set(r.list(name, schema).values),
  ];
  return {
    level: r.get('policy', oneOf(POLICY_LEVELS)),
    allowPrivileged: r.flag('allow-privileged'),
    allowHostNetwork: r.flag('allow-host-network'),
    allowHostPid: r.flag('allow-host-pid'),
    allowedBindPrefixes: unique('allow-bind-prefix', absolutePath),
    allowedBindPrefixesReadWrite: unique('allow-bind-prefix-rw', absolutePath),
    allowedNetworks: unique('allow-network', text),
    allowedVolumes: unique('allow-volume', text),
    allowedExecContainers: unique('allow-exec-container', text),
  };
}

/** parseArgs options of the security policy flags (for commands that take only those, like run-once). */
export const POLICY_ARGS_OPTIONS: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
  FLAGS.filter((f) => f.group === 'Security policy').map((f) => [
    f.name,
    { type: f.kind === 'boolean' ? 'boolean' : 'string', multiple: f.kind === 'list' },
  ]),
);

/**
 * The security policy from parseArgs values of the policy flags (and their environment
 * variables), or the ConfigError naming the bad one.
 */
export function parsePolicyValues(
  values: Record<string, string | boolean | (string | boolean)[] | undefined>,
  env: Env,
): { ok: true; policy: PolicyConfig } | { ok: false; error: ConfigError } {
  try {
    return { ok: true, policy: readPolicy(new Reader(values, env)) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw e;
  }
}

export function parseConfig(argv: readonly string[], env: Env, io: ConfigIO): ConfigResult {
  try {
    return { ok: true, config: build(argv, env, io) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw e;
  }
}

function build(argv: readonly string[], env: Env, io: ConfigIO): Config {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: ARGS_OPTIONS, strict: true, allowPositionals: false })
      .values as typeof values;
  } catch (e) {
    throw argsError(e);
  }
  const r = new Reader(values, env);

  // ---- mode
  const kubeconfig = r.optional('kubeconfig', text);
  const inCluster = r.flag('in-cluster');
  if (kubeconfig !== undefined && inCluster) {
    throw new ConfigError('--in-cluster', 'cannot be combined with --kubeconfig (choose one cluster mode)');
  }
  let mode: Mode;
  if (kubeconfig !== undefined || inCluster) {
    for (const name of ['data-dir', 'listen', 'write-kubeconfig', 'watch-history', 'embedded-client']) {
      if (r.given(name)) {
        throw new ConfigError(
          `--${name}`,
          `only applies to embedded mode, not with ${inCluster ? '--in-cluster' : '--kubeconfig'}`,
        );
      }
    }
    mode = inCluster ? { kind: 'in-cluster' } : { kind: 'kubeconfig', file: kubeconfig! };
  } else {
    const dataDir = r.get('data-dir', text);
    mode = {
      kind: 'embedded',
      dataDir,
      listen: r.get('listen', hostPort),
      writeKubeconfig: r.get('write-kubeconfig', text, join(dataDir, 'kubeconfig')),
      watchHistory: r.get('watch-history', integer(10, 1_000_000)),
      client: r.get('embedded-client', oneOf(EMBEDDED_CLIENTS)),
    };
  }

  // ---- docker
  const dockerHostRaw = r.get('docker-host', text);
  let local: DaemonConfig;
  try {
    local = localDaemonConfig(dockerHostRaw);
  } catch (e) {
    throw new ConfigError(
      r.source('docker-host'),
      `expected unix:///path or tcp://host:port, got "${dockerHostRaw}" (${(e as Error).message})`,
    );
  }
  const sources: { source: string; daemons: DaemonConfig[] }[] = [];
  const specs = r.list('docker-daemon', text);
  try {
    sources.push({ source: specs.source, daemons: specs.values.map(parseDaemonSpec) });
  } catch (e) {
    if (e instanceof DaemonSpecError) throw new ConfigError(specs.source, e.message);
    throw e;
  }
  const dockerConfigFile = r.optional('docker-config', text);
  if (dockerConfigFile !== undefined) {
    const source = r.source('docker-config');
    let content: string;
    try {
      content = io.readFile(dockerConfigFile);
    } catch (e) {
      throw new ConfigError(source, `cannot read ${dockerConfigFile}: ${(e as Error).message}`);
    }
    try {
      sources.push({ source, daemons: parseDaemonFile(content) });
    } catch (e) {
      if (e instanceof DaemonSpecError) throw new ConfigError(source, `${dockerConfigFile}: ${e.message}`);
      throw e;
    }
  }
  const merged = mergeDaemons(local, r.given('docker-host'), sources);
  if (!merged.ok) throw new ConfigError(merged.source, merged.message);

  const pool: PoolOptions = {
    connectTimeoutMs: r.get('docker-connect-timeout', duration(1, 600_000)),
    headerTimeoutMs: r.get('docker-header-timeout', duration(1, 3_600_000)),
    requestTimeoutMs: r.get('docker-request-timeout', duration(1, 3_600_000)),
    containerCallTimeoutMs: r.get('docker-container-call-timeout', duration(1, 3_600_000)),
    controlSockets: 16,
    streamSockets: 512,
    breakerThreshold: r.get('docker-breaker-threshold', integer(1, 10_000)),
    halfOpenAfterMs: r.get('docker-breaker-half-open-after', duration(1, 3_600_000)),
    bulkheadLimit: r.get('docker-bulkhead-limit', integer(1, 100_000)),
    bulkheadQueue: r.get('docker-bulkhead-queue', integer(0, 1_000_000)),
  };

  // ---- runs and policy
  const runs = {
    maxConcurrentPerDaemon: r.get('max-concurrent-runs', integer(1, 100_000)),
    queueLimit: r.get('run-queue-limit', integer(0, 1_000_000)),
    outputTailBytes: r.get('output-tail', byteSize(0, 64 * 1024)),
  };

  const policy = readPolicy(r);

  // ---- controller
  const controller = {
    namespace: r.optional('namespace', dnsLabel),
    nodeName: r.get('node-name', text, io.hostname),
    instance: r.optional('instance', instanceId),
    leaderElection: {
      enabled: r.flag('leader-elect'),
      namespace: r.get('leader-elect-namespace', dnsLabel),
      name: r.get('leader-elect-name', dnsLabel),
    },
    memberLeaseDurationMs: r.get('member-lease-duration', duration(1_000, 300_000)),
    memberWeight: r.get('member-weight', integer(1, 100)),
    // The embedded API server is in this process: its writes cost CPU here, not a remote server's
    // quota, and 20/s would leave 10,000 new jobs without status for minutes.
    statusWritesPerSecond: r.get(
      'status-writes-per-second',
      positiveNumber(10_000),
      mode.kind === 'embedded' ? '1000' : undefined,
    ),
    resultsDir: r.optional('results-dir', text) ?? (mode.kind === 'embedded' ? mode.dataDir : undefined),
  };

  // ---- dashboard and output store
  const dashboardListen = r.get('dashboard-listen', anyText);
  const tlsCert = r.optional('dashboard-tls-cert', text);
  const tlsKey = r.optional('dashboard-tls-key', text);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError(
      tlsCert === undefined ? r.source('dashboard-tls-key') : r.source('dashboard-tls-cert'),
      'give both --dashboard-tls-cert and --dashboard-tls-key',
    );
  }
  const dashboard =
    dashboardListen.trim() === ''
      ? undefined
      : {
          listen: r.get('dashboard-listen', hostPort),
          tls: tlsCert && tlsKey ? { certFile: tlsCert, keyFile: tlsKey } : undefined,
          peerUrl: r.optional('dashboard-peer-url', peerUrlTemplate),
        };
  const outputDefault = mode.kind === 'embedded' ? join(mode.dataDir, 'output') : '';
  const outputDir = r.given('output-dir') ? r.get('output-dir', anyText) : outputDefault;
  const maxRunBytes = r.get('output-max-run', byteSize(4096, 64 * 1024 * 1024 * 1024));
  const maxTotalBytes = r.get('output-max-total', byteSize(4096, 1024 * 1024 * 1024 * 1024));
  if (maxRunBytes > maxTotalBytes) {
    throw new ConfigError(r.source('output-max-run'), 'must not be larger than --output-max-total');
  }
  const output = outputDir.trim() === '' ? undefined : { dir: outputDir, maxRunBytes, maxTotalBytes };

  return {
    mode,
    httpListen: r.get('http-listen', hostPort),
    dashboard,
    output,
    log: { level: r.get('log-level', oneOf(LOG_LEVELS)), format: r.get('log-format', oneOf(LOG_FORMATS)) },
    docker: { daemons: merged.daemons, pool },
    runs,
    policy,
    hostAccess: { allowLocalJobs: r.flag('allow-local-jobs') },
    dockerLabels: {
      enabled: r.flag('docker-labels'),
      namespace: r.get('docker-labels-namespace', dnsLabel),
      resyncMs: r.get('docker-labels-resync', duration(1_000, 24 * 3_600_000)),
    },
    controller,
    notify: {
      saveDirs: [...new Set(r.list('notify-save-dir', absolutePath).values)],
      dashboardUrl: r.optional('notify-dashboard-url', httpUrl),
    },
    shutdownGraceMs: r.get('shutdown-grace', duration(0, 24 * 3_600_000)),
  };
}
