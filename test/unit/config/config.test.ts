import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Config, type ConfigIO, FLAGS, parseConfig, runHelp } from '../../../src/config/index.ts';

const files: Record<string, string> = {
  '/etc/ofelia/daemons.yaml': [
    'daemons:',
    '  - name: build',
    '    host: tcp://127.0.0.1:2376',
    '    tls: { caFile: /tls/ca.pem, certFile: /tls/cert.pem, keyFile: /tls/key.pem }',
    '  - name: other',
    '    host: unix:///run/other.sock',
  ].join('\n'),
  '/etc/ofelia/bad.yaml': 'daemons:\n  - name: Bad_Name\n    host: unix:///x.sock\n',
  '/etc/ofelia/not-a-list.yaml': 'daemons: 3\n',
};

const io: ConfigIO = {
  hostname: 'node-a',
  readFile(path) {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return content;
  },
};

function ok(argv: string[], env: Record<string, string> = {}): Config {
  const r = parseConfig(argv, env, io);
  if (!r.ok) assert.fail(`unexpected error: ${r.error.message}`);
  return r.config;
}

test('defaults: embedded mode on loopback, local daemon on the default socket', () => {
  const c = ok([]);
  assert.deepEqual(c.mode, {
    kind: 'embedded',
    dataDir: './.data',
    listen: { host: '127.0.0.1', port: 6443 },
    writeKubeconfig: '.data/kubeconfig',
    watchHistory: 1000,
    client: 'in-process',
  });
  assert.deepEqual(c.httpListen, { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(c.docker.daemons, [{ name: 'local', host: 'unix:///var/run/docker.sock' }]);
  assert.deepEqual(c.policy, {
    level: 'baseline',
    allowPrivileged: false,
    allowHostNetwork: false,
    allowHostPid: false,
    allowedBindPrefixes: [],
    allowedBindPrefixesReadWrite: [],
    allowedNetworks: [],
    allowedVolumes: [],
    allowedExecContainers: [],
  });
  assert.equal(c.controller.nodeName, 'node-a');
  assert.equal(c.controller.namespace, undefined);
  assert.equal(c.controller.instance, undefined, 'derived at start-up');
  assert.deepEqual(c.controller.leaderElection, {
    enabled: false,
    namespace: 'default',
    name: 'ofelia-operator',
  });
  assert.equal(c.shutdownGraceMs, 30_000);
  assert.equal(c.runs.outputTailBytes, 16 * 1024);
  assert.deepEqual(c.log, { level: 'info', format: 'auto' });
});

test('KUBECONFIG and HOME are never read: embedded mode stays the default', () => {
  const c = ok([], { KUBECONFIG: '/root/.kube/config', HOME: '/root' });
  assert.equal(c.mode.kind, 'embedded');
});

interface Row {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  want: (c: Config) => unknown;
  equals: unknown;
}

const rows: Row[] = [
  // ---- mode
  {
    name: '--kubeconfig selects cluster mode',
    argv: ['--kubeconfig', '/k/config'],
    want: (c) => c.mode,
    equals: { kind: 'kubeconfig', file: '/k/config' },
  },
  {
    name: 'OFELIA_KUBECONFIG selects cluster mode',
    argv: [],
    env: { OFELIA_KUBECONFIG: '/k/env' },
    want: (c) => c.mode,
    equals: { kind: 'kubeconfig', file: '/k/env' },
  },
  { name: '--in-cluster', argv: ['--in-cluster'], want: (c) => c.mode, equals: { kind: 'in-cluster' } },
  {
    name: 'OFELIA_IN_CLUSTER=true',
    argv: [],
    env: { OFELIA_IN_CLUSTER: 'true' },
    want: (c) => c.mode.kind,
    equals: 'in-cluster',
  },
  {
    name: 'OFELIA_IN_CLUSTER=0 stays embedded',
    argv: [],
    env: { OFELIA_IN_CLUSTER: '0' },
    want: (c) => c.mode.kind,
    equals: 'embedded',
  },
  // ---- embedded
  {
    name: '--write-kubeconfig follows --data-dir',
    argv: ['--data-dir', '/var/lib/ofelia'],
    want: (c) => (c.mode.kind === 'embedded' ? c.mode.writeKubeconfig : ''),
    equals: '/var/lib/ofelia/kubeconfig',
  },
  {
    name: 'explicit --write-kubeconfig',
    argv: ['--write-kubeconfig', '/tmp/kc'],
    want: (c) => (c.mode.kind === 'embedded' ? c.mode.writeKubeconfig : ''),
    equals: '/tmp/kc',
  },
  {
    name: '--listen with port 0',
    argv: ['--listen=127.0.0.1:0'],
    want: (c) => (c.mode.kind === 'embedded' ? c.mode.listen : undefined),
    equals: { host: '127.0.0.1', port: 0 },
  },
  {
    name: '--http-listen IPv6',
    argv: ['--http-listen', '[::1]:9090'],
    want: (c) => c.httpListen,
    equals: { host: '::1', port: 9090 },
  },
  // ---- dashboard and output store
  {
    name: 'dashboard on 127.0.0.1:8081 by default, plain HTTP',
    argv: [],
    want: (c) => c.dashboard,
    equals: { listen: { host: '127.0.0.1', port: 8081 }, tls: undefined, peerUrl: undefined },
  },
  {
    name: '--dashboard-peer-url names the other replicas by {node}',
    argv: ['--in-cluster', '--dashboard-peer-url', 'https://{node}.ofelia.svc:8081/'],
    want: (c) => c.dashboard?.peerUrl,
    equals: 'https://{node}.ofelia.svc:8081',
  },
  {
    name: 'empty --dashboard-listen turns the dashboard off',
    argv: ['--dashboard-listen', ''],
    want: (c) => c.dashboard,
    equals: undefined,
  },
  {
    name: 'dashboard over TLS',
    argv: ['--dashboard-tls-cert', '/c.pem', '--dashboard-tls-key', '/k.pem'],
    want: (c) => c.dashboard?.tls,
    equals: { certFile: '/c.pem', keyFile: '/k.pem' },
  },
  {
    name: 'output store under the data dir in embedded mode, with its default caps',
    argv: ['--data-dir', '/var/lib/ofelia'],
    want: (c) => c.output,
    equals: {
      dir: '/var/lib/ofelia/output',
      maxRunBytes: 64 * 1024 * 1024,
      maxTotalBytes: 1024 * 1024 * 1024,
    },
  },
  {
    name: 'no output store in cluster mode unless --output-dir is given',
    argv: ['--in-cluster'],
    want: (c) => c.output,
    equals: undefined,
  },
  {
    name: '--output-dir and caps in cluster mode',
    argv: ['--in-cluster', '--output-dir', '/out', '--output-max-run', '8Mi', '--output-max-total', '2Gi'],
    want: (c) => c.output,
    equals: { dir: '/out', maxRunBytes: 8 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 },
  },
  {
    name: 'empty OFELIA_OUTPUT_DIR is the default, an empty flag turns it off',
    argv: ['--output-dir='],
    want: (c) => c.output,
    equals: undefined,
  },
  // ---- precedence
  {
    name: 'flag wins over its variable',
    argv: ['--http-listen', '127.0.0.1:1'],
    env: { OFELIA_HTTP_LISTEN: '127.0.0.1:2' },
    want: (c) => c.httpListen.port,
    equals: 1,
  },
  {
    name: 'variable wins over the default',
    argv: [],
    env: { OFELIA_HTTP_LISTEN: '0.0.0.0:9100' },
    want: (c) => c.httpListen,
    equals: { host: '0.0.0.0', port: 9100 },
  },
  {
    name: 'OFELIA_NODE_NAME wins over NODE_NAME',
    argv: [],
    env: { NODE_NAME: 'k8s-node', OFELIA_NODE_NAME: 'mine' },
    want: (c) => c.controller.nodeName,
    equals: 'mine',
  },
  {
    name: 'NODE_NAME (downward API) sets the node name',
    argv: [],
    env: { NODE_NAME: 'k8s-node' },
    want: (c) => c.controller.nodeName,
    equals: 'k8s-node',
  },
  {
    name: '--instance',
    argv: ['--instance', 'dev-laptop-2'],
    want: (c) => c.controller.instance,
    equals: 'dev-laptop-2',
  },
  {
    name: 'OFELIA_INSTANCE, 40 characters',
    argv: [],
    env: { OFELIA_INSTANCE: 'a'.repeat(40) },
    want: (c) => c.controller.instance,
    equals: 'a'.repeat(40),
  },
  {
    name: '--instance in cluster mode',
    argv: ['--kubeconfig', '/k/config', '--instance=prod'],
    want: (c) => c.controller.instance,
    equals: 'prod',
  },
  {
    name: 'POD_NAMESPACE sets the lease namespace',
    argv: ['--leader-elect'],
    env: { POD_NAMESPACE: 'ofelia-system' },
    want: (c) => c.controller.leaderElection,
    equals: { enabled: true, namespace: 'ofelia-system', name: 'ofelia-operator' },
  },
  // ---- docker
  {
    name: '--docker-host names the local daemon',
    argv: ['--docker-host', 'unix:///run/docker.sock'],
    want: (c) => c.docker.daemons,
    equals: [{ name: 'local', host: 'unix:///run/docker.sock' }],
  },
  {
    name: 'DOCKER_HOST is honoured, OFELIA_DOCKER_HOST first',
    argv: [],
    env: { DOCKER_HOST: 'tcp://127.0.0.1:2375', OFELIA_DOCKER_HOST: 'unix:///a.sock' },
    want: (c) => c.docker.daemons[0]?.host,
    equals: 'unix:///a.sock',
  },
  {
    name: 'a plain socket path is a unix socket',
    argv: ['--docker-host', '/tmp/d.sock'],
    want: (c) => c.docker.daemons[0]?.host,
    equals: 'unix:///tmp/d.sock',
  },
  {
    name: '--docker-daemon repeatable, with TLS',
    argv: [
      '--docker-daemon',
      'b=tcp://127.0.0.1:2376,ca=/c,cert=/d,key=/e',
      '--docker-daemon',
      'c=unix:///c.sock',
    ],
    want: (c) => c.docker.daemons,
    equals: [
      { name: 'local', host: 'unix:///var/run/docker.sock' },
      { name: 'b', host: 'tcp://127.0.0.1:2376', tls: { caFile: '/c', certFile: '/d', keyFile: '/e' } },
      { name: 'c', host: 'unix:///c.sock' },
    ],
  },
  {
    name: 'OFELIA_DOCKER_DAEMONS separated by ;',
    argv: [],
    env: { OFELIA_DOCKER_DAEMONS: 'x=unix:///x.sock; y=tcp://127.0.0.1:1' },
    want: (c) => c.docker.daemons.map((d) => d.name),
    equals: ['local', 'x', 'y'],
  },
  {
    name: '--docker-daemon local=... replaces the default local daemon',
    argv: ['--docker-daemon', 'local=unix:///other.sock'],
    want: (c) => c.docker.daemons,
    equals: [{ name: 'local', host: 'unix:///other.sock' }],
  },
  {
    name: '--docker-config file',
    argv: ['--docker-config', '/etc/ofelia/daemons.yaml'],
    want: (c) => c.docker.daemons.map((d) => `${d.name}=${d.host}${d.tls ? '+tls' : ''}`),
    equals: [
      'local=unix:///var/run/docker.sock',
      'build=tcp://127.0.0.1:2376+tls',
      'other=unix:///run/other.sock',
    ],
  },
  {
    name: 'Docker timeouts, breaker and bulkhead',
    argv: [
      '--docker-connect-timeout=2s',
      '--docker-header-timeout=1m',
      '--docker-request-timeout=1m30s',
      '--docker-container-call-timeout=2m',
      '--docker-breaker-threshold=3',
      '--docker-breaker-half-open-after=500ms',
      '--docker-bulkhead-limit=7',
      '--docker-bulkhead-queue=0',
    ],
    want: (c) => {
      const { controlSockets: _c, streamSockets: _s, ...rest } = c.docker.pool;
      return rest;
    },
    equals: {
      connectTimeoutMs: 2000,
      headerTimeoutMs: 60_000,
      requestTimeoutMs: 90_000,
      containerCallTimeoutMs: 120_000,
      breakerThreshold: 3,
      halfOpenAfterMs: 500,
      bulkheadLimit: 7,
      bulkheadQueue: 0,
    },
  },
  // ---- runs, policy, controller
  {
    name: 'runs (flag wins over OFELIA_OUTPUT_TAIL)',
    argv: ['--max-concurrent-runs', '4', '--run-queue-limit', '9', '--output-tail', '64Ki'],
    env: { OFELIA_OUTPUT_TAIL: '1' },
    want: (c) => c.runs,
    equals: { maxConcurrentPerDaemon: 4, queueLimit: 9, outputTailBytes: 65536 },
  },
  {
    name: 'policy switches and bind prefixes (deduplicated, normalised)',
    argv: [
      '--allow-privileged',
      '--allow-host-pid',
      '--allow-bind-prefix',
      '/srv/data/',
      '--allow-bind-prefix',
      '/srv/data',
      '--allow-bind-prefix',
      '/backup',
      '--allow-bind-prefix-rw',
      '/srv/scratch',
      '--policy',
      'restricted',
      '--allow-network',
      'jobs',
      '--allow-volume',
      'shared-*',
      '--allow-exec-container',
      'db-*',
    ],
    want: (c) => c.policy,
    equals: {
      level: 'restricted',
      allowPrivileged: true,
      allowHostNetwork: false,
      allowHostPid: true,
      allowedBindPrefixes: ['/srv/data', '/backup'],
      allowedBindPrefixesReadWrite: ['/srv/scratch'],
      allowedNetworks: ['jobs'],
      allowedVolumes: ['shared-*'],
      allowedExecContainers: ['db-*'],
    },
  },
  {
    name: 'OFELIA_POLICY and the allow-lists from the environment (comma-separated)',
    argv: [],
    env: {
      OFELIA_POLICY: 'privileged',
      OFELIA_ALLOW_NETWORKS: 'a, b',
      OFELIA_ALLOW_VOLUMES: 'v1',
      OFELIA_ALLOW_EXEC_CONTAINERS: 'web,db',
      OFELIA_ALLOW_BIND_PREFIXES_RW: '/rw',
    },
    want: (c) => [
      c.policy.level,
      c.policy.allowedNetworks,
      c.policy.allowedVolumes,
      c.policy.allowedExecContainers,
      c.policy.allowedBindPrefixesReadWrite,
    ],
    equals: ['privileged', ['a', 'b'], ['v1'], ['web', 'db'], ['/rw']],
  },
  {
    name: 'OFELIA_ALLOW_BIND_PREFIXES comma-separated, OFELIA_ALLOW_HOST_NETWORK=yes',
    argv: [],
    env: { OFELIA_ALLOW_BIND_PREFIXES: '/a,/b', OFELIA_ALLOW_HOST_NETWORK: 'yes' },
    want: (c) => [c.policy.allowedBindPrefixes, c.policy.allowHostNetwork],
    equals: [['/a', '/b'], true],
  },
  {
    name: 'namespace, status rate, log, grace',
    argv: [
      '--namespace=ops',
      '--status-writes-per-second=2.5',
      '--log-level=debug',
      '--log-format=json',
      '--shutdown-grace=0s',
    ],
    want: (c) => [c.controller.namespace, c.controller.statusWritesPerSecond, c.log, c.shutdownGraceMs],
    equals: ['ops', 2.5, { level: 'debug', format: 'json' }, 0],
  },
  {
    name: 'status rate and results dir default by mode: embedded (in-process API server)',
    argv: ['--data-dir=/var/lib/ofelia'],
    want: (c) => [c.controller.statusWritesPerSecond, c.controller.resultsDir],
    equals: [1000, '/var/lib/ofelia'],
  },
  {
    name: 'status rate and results dir default by mode: cluster (a shared API server)',
    argv: ['--in-cluster'],
    want: (c) => [c.controller.statusWritesPerSecond, c.controller.resultsDir],
    equals: [20, undefined],
  },
  {
    name: 'results dir given in cluster mode',
    argv: ['--in-cluster'],
    env: { OFELIA_RESULTS_DIR: '/state' },
    want: (c) => [c.controller.resultsDir],
    equals: ['/state'],
  },
];
for (const row of rows) {
  test(`parse: ${row.name}`, () => {
    assert.deepEqual(row.want(ok(row.argv, row.env)), row.equals);
  });
}

interface ErrorRow {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  /** The whole one-line message. */
  message: string;
}

const errorRows: ErrorRow[] = [
  {
    name: 'dashboard TLS needs both files',
    argv: ['--dashboard-tls-cert', '/c.pem'],
    message: '--dashboard-tls-cert: give both --dashboard-tls-cert and --dashboard-tls-key',
  },
  {
    name: '--dashboard-peer-url without {node}',
    argv: ['--dashboard-peer-url', 'http://replica:8081'],
    message: '--dashboard-peer-url: expected an http(s) URL with {node} in it, got "http://replica:8081"',
  },
  {
    name: 'per-run output cap over the total',
    argv: ['--output-max-run', '2Gi', '--output-max-total', '1Gi'],
    message: '--output-max-run: must not be larger than --output-max-total',
  },
  {
    name: 'bad --dashboard-listen',
    argv: ['--dashboard-listen', 'nope'],
    message: '--dashboard-listen: expected HOST:PORT, got "nope"',
  },
  {
    name: 'bad HOST:PORT',
    argv: ['--http-listen', 'abc'],
    message: '--http-listen: expected HOST:PORT, got "abc"',
  },
  {
    name: 'bad HOST:PORT from the environment names the variable',
    argv: [],
    env: { OFELIA_HTTP_LISTEN: 'abc' },
    message: 'OFELIA_HTTP_LISTEN: expected HOST:PORT, got "abc"',
  },
  {
    name: 'port out of range',
    argv: ['--listen', 'h:70000'],
    message: '--listen: expected HOST:PORT, got "h:70000"',
  },
  {
    name: 'unknown flag',
    argv: ['--bogus'],
    message: '--bogus: unknown flag (see ofelia-operator run --help)',
  },
  { name: 'missing value', argv: ['--listen'], message: '--listen: needs a value' },
  {
    name: 'switch with a value',
    argv: ['--allow-privileged=yes'],
    message: '--allow-privileged: takes no value (it is a switch: give it to turn it on)',
  },
  {
    name: 'positional argument',
    argv: ['extra'],
    message: 'arguments: unexpected argument "extra" (run takes only flags)',
  },
  {
    name: 'two cluster modes',
    argv: ['--kubeconfig', 'x', '--in-cluster'],
    message: '--in-cluster: cannot be combined with --kubeconfig (choose one cluster mode)',
  },
  {
    name: 'embedded flag in cluster mode',
    argv: ['--in-cluster', '--listen', '127.0.0.1:1'],
    message: '--listen: only applies to embedded mode, not with --in-cluster',
  },
  {
    name: 'embedded client in cluster mode',
    argv: ['--kubeconfig', 'x', '--embedded-client', 'https'],
    message: '--embedded-client: only applies to embedded mode, not with --kubeconfig',
  },
  {
    name: 'unknown embedded client',
    argv: ['--embedded-client', 'grpc'],
    message: '--embedded-client: expected one of in-process, https, got "grpc"',
  },
  {
    name: 'bad duration',
    argv: ['--shutdown-grace', '10'],
    message: '--shutdown-grace: expected a duration such as 30s or 1m30s, got "10"',
  },
  {
    name: 'zero timeout',
    argv: ['--docker-request-timeout', '0s'],
    message: '--docker-request-timeout: expected a duration between 1 ms and 3600000 ms, got "0s"',
  },
  {
    name: 'bad integer',
    argv: ['--max-concurrent-runs', '0'],
    message: '--max-concurrent-runs: expected a whole number from 1 to 100000, got "0"',
  },
  {
    name: 'bad size',
    argv: ['--output-tail', '1Mi'],
    message: '--output-tail: expected a size from 0 to 65536 bytes (e.g. 4096, 4Ki, 1Mi), got "1Mi"',
  },
  {
    name: 'bad boolean variable',
    argv: [],
    env: { OFELIA_ALLOW_PRIVILEGED: 'maybe' },
    message: 'OFELIA_ALLOW_PRIVILEGED: expected true or false, got "maybe"',
  },
  {
    name: 'bad log level',
    argv: ['--log-level', 'loud'],
    message: '--log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
  },
  {
    name: 'bad namespace',
    argv: ['--namespace', 'Ops'],
    message: '--namespace: expected a lower-case DNS label (a-z, 0-9, -; at most 63 characters), got "Ops"',
  },
  {
    name: 'instance with capitals',
    argv: ['--instance', 'Dev'],
    message: '--instance: expected 1 to 40 characters of a-z, 0-9 and -, got "Dev"',
  },
  {
    name: 'instance too long (from the environment)',
    argv: [],
    env: { OFELIA_INSTANCE: 'a'.repeat(41) },
    message: `OFELIA_INSTANCE: expected 1 to 40 characters of a-z, 0-9 and -, got "${'a'.repeat(41)}"`,
  },
  {
    name: 'instance with an underscore',
    argv: ['--instance=a_b'],
    message: '--instance: expected 1 to 40 characters of a-z, 0-9 and -, got "a_b"',
  },
  {
    name: 'unknown policy level',
    argv: ['--policy', 'strict'],
    message: '--policy: expected one of privileged, baseline, restricted, got "strict"',
  },
  {
    name: 'relative read-write bind prefix',
    argv: ['--allow-bind-prefix-rw', 'srv'],
    message: '--allow-bind-prefix-rw: expected an absolute path without "..", got "srv"',
  },
  {
    name: 'relative bind prefix',
    argv: ['--allow-bind-prefix', 'srv'],
    message: '--allow-bind-prefix: expected an absolute path without "..", got "srv"',
  },
  {
    name: 'bad docker host',
    argv: ['--docker-host', 'http://x'],
    message:
      '--docker-host: expected unix:///path or tcp://host:port, got "http://x" (daemon config host: unix:///path/to/socket or tcp://host:port)',
  },
  {
    name: 'daemon spec without URL',
    argv: ['--docker-daemon', 'nourl'],
    message: '--docker-daemon: expected NAME=URL[,ca=FILE,cert=FILE,key=FILE], got "nourl"',
  },
  {
    name: 'daemon spec with partial TLS',
    argv: ['--docker-daemon', 'b=tcp://h:1,ca=/c'],
    message: '--docker-daemon: TLS needs all of ca=, cert= and key= in "b=tcp://h:1,ca=/c"',
  },
  {
    name: 'daemon spec with TLS on a unix socket',
    argv: ['--docker-daemon', 'b=unix:///s,ca=/c,cert=/d,key=/e'],
    message: '--docker-daemon: daemon "b": tls needs a tcp:// host',
  },
  {
    name: 'daemon defined twice',
    argv: ['--docker-daemon', 'b=unix:///1', '--docker-daemon', 'b=unix:///2'],
    message: '--docker-daemon: daemon "b" is defined twice',
  },
  {
    name: 'local defined by --docker-host and --docker-daemon',
    argv: ['--docker-host', 'unix:///a', '--docker-daemon', 'local=unix:///b'],
    message: '--docker-daemon: daemon "local" is defined twice',
  },
  {
    name: 'missing config file',
    argv: ['--docker-config', '/nope.yaml'],
    message: "--docker-config: cannot read /nope.yaml: ENOENT: no such file or directory, open '/nope.yaml'",
  },
  {
    name: 'config file with a bad daemon',
    argv: ['--docker-config', '/etc/ofelia/bad.yaml'],
    message: '--docker-config: /etc/ofelia/bad.yaml: daemons[0]: name: a lower-case DNS label',
  },
  {
    name: 'config file without a list',
    argv: [],
    env: { OFELIA_DOCKER_CONFIG: '/etc/ofelia/not-a-list.yaml' },
    message: 'OFELIA_DOCKER_CONFIG: /etc/ofelia/not-a-list.yaml: expected a top-level "daemons:" list',
  },
];

for (const row of errorRows) {
  test(`error: ${row.name}`, () => {
    const r = parseConfig(row.argv, row.env ?? {}, io);
    assert.equal(r.ok, false, 'expected a ConfigError');
    if (r.ok) return;
    assert.equal(r.error.message, row.message);
    assert.equal(r.error.reason, 'InvalidConfig');
    assert.ok(!r.error.message.includes('\n'), 'one line');
  });
}

test('--help lists every flag with its variables and default', () => {
  const help = runHelp();
  for (const f of FLAGS) {
    assert.ok(help.includes(`--${f.name}`), `--${f.name} in help`);
    for (const e of f.env) assert.ok(help.includes(e), `${e} in help`);
    if (f.default) assert.ok(help.includes(`default ${f.default}`), `default of --${f.name} in help`);
  }
});

test('every flag has a distinct name and variables owned by one flag', () => {
  const names = new Set(FLAGS.map((f) => f.name));
  assert.equal(names.size, FLAGS.length);
  const envs = FLAGS.flatMap((f) => f.env);
  assert.equal(new Set(envs).size, envs.length);
  for (const f of FLAGS) assert.ok(f.env.length > 0, `--${f.name} has an environment variable`);
});

test('docs/configuration.md lists every flag with its variables and default', () => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  for (const f of FLAGS) {
    // The flag tables close the page (earlier tables mention flags too).
    const tables = doc.slice(doc.indexOf('## Every flag'));
    const row = tables.split('\n').find((l) => new RegExp(`^\\| \`--${f.name}[ \`]`).test(l));
    assert.ok(row, `--${f.name} has a row`);
    for (const e of f.env) assert.ok(row.includes(`\`${e}\``), `${e} in the row of --${f.name}`);
    if (f.default) assert.ok(row.includes(`\`${f.default}\``), `default of --${f.name} in its row`);
  }
});
