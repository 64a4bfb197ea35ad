/**
 * Every flag of `ofelia-operator run`, once: its environment variable(s), its default as the user
 * would type it, and its help text. The parser, `--help` and docs/configuration.md all read this
 * table, so they cannot drift apart.
 */

export type FlagKind = 'value' | 'boolean' | 'list';

export interface FlagSpec {
  /** Long name without the leading dashes. */
  readonly name: string;
  readonly kind: FlagKind;
  /** Environment variables read when the flag is absent, first set one wins. */
  readonly env: readonly string[];
  /** The default, written as a user would write the value ('' = none). */
  readonly default: string;
  /** Placeholder for the value in --help. */
  readonly valueName?: string;
  /** For lists: how one environment variable separates several values. */
  readonly envSeparator?: string;
  readonly group: FlagGroup;
  readonly help: string;
}

export type FlagGroup =
  | 'Mode'
  | 'Embedded API server'
  | 'Endpoints and logging'
  | 'Docker daemons'
  | 'Runs'
  | 'Security policy'
  | 'Controller'
  | 'Notifications';

export const FLAG_GROUPS: readonly FlagGroup[] = [
  'Mode',
  'Embedded API server',
  'Endpoints and logging',
  'Docker daemons',
  'Runs',
  'Security policy',
  'Controller',
  'Notifications',
];

export const FLAGS: readonly FlagSpec[] = [
  // ---- mode
  {
    name: 'kubeconfig',
    kind: 'value',
    env: ['OFELIA_KUBECONFIG'],
    default: '',
    valueName: 'FILE',
    group: 'Mode',
    help: 'Cluster mode: talk to the cluster in this kubeconfig (its current context). KUBECONFIG and ~/.kube/config are never read implicitly.',
  },
  {
    name: 'in-cluster',
    kind: 'boolean',
    env: ['OFELIA_IN_CLUSTER'],
    default: 'false',
    group: 'Mode',
    help: "Cluster mode: use the pod's service account (in a Pod).",
  },
  // ---- embedded
  {
    name: 'data-dir',
    kind: 'value',
    env: ['OFELIA_DATA_DIR'],
    default: './.data',
    valueName: 'DIR',
    group: 'Embedded API server',
    help: 'Where the embedded API server keeps its objects, serving certificate and tokens.',
  },
  {
    name: 'listen',
    kind: 'value',
    env: ['OFELIA_LISTEN'],
    default: '127.0.0.1:6443',
    valueName: 'HOST:PORT',
    group: 'Embedded API server',
    help: 'Address of the embedded API server (HTTPS). Port 0 picks a free port.',
  },
  {
    name: 'write-kubeconfig',
    kind: 'value',
    env: ['OFELIA_WRITE_KUBECONFIG'],
    default: '<data-dir>/kubeconfig',
    valueName: 'FILE',
    group: 'Embedded API server',
    help: 'Write a kubeconfig for kubectl (server, CA, admin token) here.',
  },
  {
    name: 'watch-history',
    kind: 'value',
    env: ['OFELIA_WATCH_HISTORY'],
    default: '1000',
    valueName: 'N',
    group: 'Embedded API server',
    help: 'Changes the embedded API server keeps for watches resuming from an older resourceVersion.',
  },
  // ---- endpoints and logging
  {
    name: 'http-listen',
    kind: 'value',
    env: ['OFELIA_HTTP_LISTEN'],
    default: '127.0.0.1:8080',
    valueName: 'HOST:PORT',
    group: 'Endpoints and logging',
    help: 'Address of /metrics, /healthz and /readyz (plain HTTP). Port 0 picks a free port.',
  },
  {
    name: 'log-level',
    kind: 'value',
    env: ['OFELIA_LOG_LEVEL'],
    default: 'info',
    valueName: 'LEVEL',
    group: 'Endpoints and logging',
    help: 'trace, debug, info, warn, error, fatal or silent.',
  },
  {
    name: 'log-format',
    kind: 'value',
    env: ['OFELIA_LOG_FORMAT'],
    default: 'auto',
    valueName: 'FORMAT',
    group: 'Endpoints and logging',
    help: 'json, pretty, or auto (pretty on a terminal, JSON otherwise).',
  },
  // ---- docker
  {
    name: 'docker-host',
    kind: 'value',
    env: ['OFELIA_DOCKER_HOST', 'DOCKER_HOST'],
    default: 'unix:///var/run/docker.sock',
    valueName: 'URL',
    group: 'Docker daemons',
    help: 'The node-local daemon, named "local": unix:///path or tcp://host:port.',
  },
  {
    name: 'docker-daemon',
    kind: 'list',
    env: ['OFELIA_DOCKER_DAEMONS'],
    envSeparator: ';',
    default: '',
    valueName: 'NAME=URL[,ca=F,cert=F,key=F]',
    group: 'Docker daemons',
    help: 'A further daemon jobs can select with spec.placement.daemon; repeatable (environment: separated by ";"). TLS needs tcp:// and all three files.',
  },
  {
    name: 'docker-config',
    kind: 'value',
    env: ['OFELIA_DOCKER_CONFIG'],
    default: '',
    valueName: 'FILE',
    group: 'Docker daemons',
    help: 'YAML or JSON file: { daemons: [{ name, host, tls: { caFile, certFile, keyFile } }] }.',
  },
  {
    name: 'docker-connect-timeout',
    kind: 'value',
    env: ['OFELIA_DOCKER_CONNECT_TIMEOUT'],
    default: '5s',
    valueName: 'DURATION',
    group: 'Docker daemons',
    help: 'Time to open a connection to a daemon.',
  },
  {
    name: 'docker-header-timeout',
    kind: 'value',
    env: ['OFELIA_DOCKER_HEADER_TIMEOUT'],
    default: '10s',
    valueName: 'DURATION',
    group: 'Docker daemons',
    help: "Time to wait for a daemon's answer to start.",
  },
  {
    name: 'docker-request-timeout',
    kind: 'value',
    env: ['OFELIA_DOCKER_REQUEST_TIMEOUT'],
    default: '30s',
    valueName: 'DURATION',
    group: 'Docker daemons',
    help: 'Time for a whole short Docker API call (streams such as wait and logs are not bounded by it).',
  },
  {
    name: 'docker-breaker-threshold',
    kind: 'value',
    env: ['OFELIA_DOCKER_BREAKER_THRESHOLD'],
    default: '10',
    valueName: 'N',
    group: 'Docker daemons',
    help: 'Consecutive daemon faults (transport errors, timeouts, 5xx) that open the circuit breaker.',
  },
  {
    name: 'docker-breaker-half-open-after',
    kind: 'value',
    env: ['OFELIA_DOCKER_BREAKER_HALF_OPEN_AFTER'],
    default: '30s',
    valueName: 'DURATION',
    group: 'Docker daemons',
    help: 'How long an open breaker refuses calls before letting one trial call through.',
  },
  {
    name: 'docker-bulkhead-limit',
    kind: 'value',
    env: ['OFELIA_DOCKER_BULKHEAD_LIMIT'],
    default: '200',
    valueName: 'N',
    group: 'Docker daemons',
    help: 'Docker API calls in flight per daemon.',
  },
  {
    name: 'docker-bulkhead-queue',
    kind: 'value',
    env: ['OFELIA_DOCKER_BULKHEAD_QUEUE'],
    default: '1000',
    valueName: 'N',
    group: 'Docker daemons',
    help: 'Docker API calls waiting for a slot per daemon; beyond it calls fail at once.',
  },
  // ---- runs
  {
    name: 'max-concurrent-runs',
    kind: 'value',
    env: ['OFELIA_MAX_CONCURRENT_RUNS'],
    default: '50',
    valueName: 'N',
    group: 'Runs',
    help: 'Runs in progress at once per daemon; later runs wait in a queue.',
  },
  {
    name: 'run-queue-limit',
    kind: 'value',
    env: ['OFELIA_RUN_QUEUE_LIMIT'],
    default: '1000',
    valueName: 'N',
    group: 'Runs',
    help: 'Runs waiting for a free slot, all daemons together; beyond it a due run is skipped (counted, with an event).',
  },
  {
    name: 'output-tail',
    kind: 'value',
    env: ['OFELIA_OUTPUT_TAIL'],
    default: '16Ki',
    valueName: 'SIZE',
    group: 'Runs',
    help: 'Bytes of output kept per run (the last ones) in status.lastRun.logTail and status.recentRuns[].logTail; at most 64Ki, as status objects must stay small.',
  },
  {
    name: 'shutdown-grace',
    kind: 'value',
    env: ['OFELIA_SHUTDOWN_GRACE'],
    default: '30s',
    valueName: 'DURATION',
    group: 'Runs',
    help: 'On SIGTERM/SIGINT, how long runs in progress may finish before they are cancelled.',
  },
  // ---- policy
  {
    name: 'policy',
    kind: 'value',
    env: ['OFELIA_POLICY'],
    default: 'baseline',
    valueName: 'LEVEL',
    group: 'Security policy',
    help: 'What jobs may ask of the daemon, as Pod Security Standards: privileged (anything), baseline (no known escalation), restricted (also non-root uid, read-only root filesystem, no new privileges, capabilities dropped). See docs/security.md.',
  },
  {
    name: 'allow-privileged',
    kind: 'boolean',
    env: ['OFELIA_ALLOW_PRIVILEGED'],
    default: 'false',
    group: 'Security policy',
    help: 'Allow jobs with privileged: true (run or exec).',
  },
  {
    name: 'allow-host-network',
    kind: 'boolean',
    env: ['OFELIA_ALLOW_HOST_NETWORK'],
    default: 'false',
    group: 'Security policy',
    help: 'Allow jobs with network: host.',
  },
  {
    name: 'allow-host-pid',
    kind: 'boolean',
    env: ['OFELIA_ALLOW_HOST_PID'],
    default: 'false',
    group: 'Security policy',
    help: "Allow jobs with hostPID: true (the host's PID namespace).",
  },
  {
    name: 'allow-bind-prefix',
    kind: 'list',
    env: ['OFELIA_ALLOW_BIND_PREFIXES'],
    envSeparator: ',',
    default: '',
    valueName: 'PATH',
    group: 'Security policy',
    help: 'Host path prefix that read-only bind mounts may use (symlinks resolved); repeatable (environment: comma-separated). None: bind mounts are refused.',
  },
  {
    name: 'allow-bind-prefix-rw',
    kind: 'list',
    env: ['OFELIA_ALLOW_BIND_PREFIXES_RW'],
    envSeparator: ',',
    default: '',
    valueName: 'PATH',
    group: 'Security policy',
    help: 'Host path prefix that read-write bind mounts may use; repeatable (environment: comma-separated).',
  },
  {
    name: 'allow-network',
    kind: 'list',
    env: ['OFELIA_ALLOW_NETWORKS'],
    envSeparator: ',',
    default: '',
    valueName: 'NAME',
    group: 'Security policy',
    help: 'User-defined Docker network jobs may join; repeatable (environment: comma-separated). none and the daemon default are always allowed.',
  },
  {
    name: 'allow-volume',
    kind: 'list',
    env: ['OFELIA_ALLOW_VOLUMES'],
    envSeparator: ',',
    default: '',
    valueName: 'PATTERN',
    group: 'Security policy',
    help: "Named volume (* wildcards) any job may mount, besides its own namespace's <namespace>_*; repeatable (environment: comma-separated).",
  },
  {
    name: 'allow-exec-container',
    kind: 'list',
    env: ['OFELIA_ALLOW_EXEC_CONTAINERS'],
    envSeparator: ',',
    default: '',
    valueName: 'PATTERN',
    group: 'Security policy',
    help: 'Container name (* wildcards) any job may exec into or join the network of without the ofelia.dev/exec-from label; repeatable (environment: comma-separated).',
  },
  // ---- controller
  {
    name: 'namespace',
    kind: 'value',
    env: ['OFELIA_NAMESPACE'],
    default: '',
    valueName: 'NS',
    group: 'Controller',
    help: 'Watch jobs in this namespace only (default: all namespaces).',
  },
  {
    name: 'node-name',
    kind: 'value',
    env: ['OFELIA_NODE_NAME', 'NODE_NAME'],
    default: '<hostname>',
    valueName: 'NAME',
    group: 'Controller',
    help: "This replica's node: jobs with spec.placement.nodeName run only on the replica with that name.",
  },
  {
    name: 'instance',
    kind: 'value',
    env: ['OFELIA_INSTANCE'],
    default: '',
    valueName: 'ID',
    group: 'Controller',
    help: 'This operator instance (1-40 of a-z, 0-9, -), labelled on its containers: only its own containers are adopted or removed at start-up, so operators with different API servers can share a Docker daemon. Default: embedded mode, a random id kept in <data-dir>/instance-id; cluster mode, a hash of the API server URL and --namespace (replicas of one operator share it).',
  },
  {
    name: 'leader-elect',
    kind: 'boolean',
    env: ['OFELIA_LEADER_ELECT'],
    default: 'false',
    group: 'Controller',
    help: 'Run jobs only while holding a coordination.k8s.io Lease (one active replica among several).',
  },
  {
    name: 'leader-elect-namespace',
    kind: 'value',
    env: ['OFELIA_LEADER_ELECT_NAMESPACE', 'POD_NAMESPACE'],
    default: 'default',
    valueName: 'NS',
    group: 'Controller',
    help: 'Namespace of the leader-election Lease.',
  },
  {
    name: 'leader-elect-name',
    kind: 'value',
    env: ['OFELIA_LEADER_ELECT_NAME'],
    default: 'ofelia-operator',
    valueName: 'NAME',
    group: 'Controller',
    help: 'Name of the leader-election Lease.',
  },
  {
    name: 'member-lease-duration',
    kind: 'value',
    env: ['OFELIA_MEMBER_LEASE_DURATION'],
    default: '15s',
    valueName: 'DURATION',
    group: 'Controller',
    help: "Cluster mode without --leader-elect: how long a replica's member Lease (in --leader-elect-namespace) outlives its last renewal. Its jobs move to the other replicas within this plus a retry period (duration/7.5); a replica that cannot renew stops after 2/3 of it; a joining one waits this long before starting anything.",
  },
  {
    name: 'status-writes-per-second',
    kind: 'value',
    env: ['OFELIA_STATUS_WRITES_PER_SECOND'],
    default: '20',
    valueName: 'N',
    group: 'Controller',
    help: 'Rate limit of status writes to the API server (writes for one job are coalesced). Default: 20 in cluster mode; 1000 in embedded mode (the API server is in this process).',
  },
  {
    name: 'results-dir',
    kind: 'value',
    env: ['OFELIA_RESULTS_DIR'],
    default: '',
    valueName: 'DIR',
    group: 'Controller',
    help: 'Keep results of finished runs in DIR/pending-results.jsonl until they are written to status, and write those an earlier process left at start-up (survives SIGTERM with a backlog, kill -9 and API outages). Default: embedded mode, <data-dir>; cluster mode, none (give a directory that outlives the process, e.g. an emptyDir volume).',
  },
  // ---- notifications
  {
    name: 'notify-save-dir',
    kind: 'list',
    env: ['OFELIA_NOTIFY_SAVE_DIRS'],
    envSeparator: ',',
    default: '',
    valueName: 'DIR',
    group: 'Notifications',
    help: 'Folder JobNotifiers of type save may write into (their spec.save.folder must lie inside one); repeatable (environment: comma-separated). None: type save is not Ready.',
  },
  {
    name: 'notify-dashboard-url',
    kind: 'value',
    env: ['OFELIA_NOTIFY_DASHBOARD_URL'],
    default: '',
    valueName: 'URL',
    group: 'Notifications',
    help: 'Base URL of the dashboard: notifications link to <URL>/jobs/<namespace>/<job>. None: no link.',
  },
];

export function flagSpec(name: string): FlagSpec {
  const spec = FLAGS.find((f) => f.name === name);
  if (!spec) throw new Error(`no flag --${name} in the flag table`);
  return spec;
}
