/**
 * Table-driven translation of Ofelia configurations, every key of both dialects: each row is an
 * INI text (real-world shapes: the upstream README and docs examples, the fork's examples), the
 * fields the jobs must have and the keys that must be reported. Every job that comes out is checked
 * again with validateScheduledDockerJob and for unknown fields, as `ofelia-operator validate` does.
 * A last test fails when keys.ts lists a key that no row exercises.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findUnknownFields } from '../../../src/api/unknown-fields.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { type ImportIssue, importIni, type KubeObject } from '../../../src/import/index.ts';
import {
  CHAIN_KEYS,
  COMMON_JOB_KEYS,
  canonicalKey,
  DOCKER_SECTION_KEYS,
  GLOBAL_KEYS,
  JOB_KEYS,
  MIDDLEWARE_KEYS,
  WEBHOOK_KEYS,
} from '../../../src/import/keys.ts';

interface Row {
  name: string;
  ini: string;
  dialect?: 'upstream' | 'netresearch';
  env?: Record<string, string>;
  envFiles?: Record<string, string>;
  includeSecrets?: boolean;
  /** Dotted paths into each job by name (`backup: spec.exec.user`) and their values. */
  want?: Record<string, unknown>;
  /** `key:kind` of every issue, in any order (section-wide issues as `:kind`). */
  issues?: string[];
  /** Names of the Secrets written, with their data. */
  secrets?: Record<string, Record<string, string>>;
  /** Jobs expected (by name); default: the ones named in `want`. */
  jobs?: string[];
}

const ROWS: Row[] = [
  // ---- upstream README
  {
    name: 'upstream README: exec, run, local, service-run, global slack',
    ini: `
[global]
slack-webhook = https://hooks.slack.com/services/T0/B0/X
slack-only-on-error = true

[job-exec "job-executed-on-running-container"]
schedule = @hourly
container = my-container
command = touch /tmp/example

[job-run "job-executed-on-new-container"]
schedule = @hourly
image = ubuntu:latest
command = touch /tmp/example

[job-local "job-executed-on-current-host"]
schedule = @hourly
command = touch /tmp/example

[job-service-run "service-executed-on-new-container"]
schedule = 0,20,40 * * * *
image = ubuntu
network = swarm_network
command =  touch /tmp/example
`,
    want: {
      'job-executed-on-running-container: spec.schedule': '@hourly',
      'job-executed-on-running-container: spec.exec.container': 'my-container',
      'job-executed-on-running-container: spec.exec.command': ['touch', '/tmp/example'],
      'job-executed-on-running-container: spec.exec.user': 'root',
      'job-executed-on-running-container: spec.concurrencyPolicy': 'Allow',
      'job-executed-on-new-container: spec.run.image': 'ubuntu:latest',
      'job-executed-on-new-container: spec.run.args': ['touch', '/tmp/example'],
      'job-executed-on-new-container: spec.run.user': 'root',
      'job-executed-on-new-container: spec.run.pullPolicy': 'Always',
      'job-executed-on-new-container: spec.run.remove': 'Always',
      'job-executed-on-new-container: spec.activeDeadlineSeconds': 86400,
      'job-executed-on-current-host: spec.local.command': ['touch', '/tmp/example'],
    },
    issues: [
      'slack-webhook:needs-secret',
      'slack-only-on-error:not-yet',
      ':different-meaning',
      ':unsupported',
    ],
    secrets: { 'ofelia-notifications': { 'slack-webhook': '' } },
  },
  {
    name: 'upstream docs: job-run with every key, seconds-first schedule',
    ini: `
[job-run "backup"]
schedule = 0 30 2 * * *
image = registry.example.com/tools/backup:1.2
command = sh -c 'pg_dump -h db > /backup/dump.sql'
user = 1000:1000
tty = true
delete = false
pull = false
network = backend
hostname = backup-host
volume = /srv/backup:/backup:ro
volume = cache:/cache
volumes-from = db-data
environment = PGPASSWORD=secret-in-ini
environment = TZ=UTC
no-overlap = true
`,
    want: {
      'backup: spec.schedule': '0 30 2 * * *',
      'backup: spec.concurrencyPolicy': 'Forbid',
      'backup: spec.run.args': ['sh', '-c', 'pg_dump -h db > /backup/dump.sql'],
      'backup: spec.run.user': '1000:1000',
      'backup: spec.run.tty': true,
      'backup: spec.run.remove': 'Never',
      'backup: spec.run.pullPolicy': 'IfNotPresent',
      'backup: spec.run.network': 'backend',
      'backup: spec.run.hostname': 'backup-host',
      'backup: spec.run.volumes': [
        { type: 'bind', source: '/srv/backup', target: '/backup', readOnly: true },
        { type: 'volume', source: 'cache', target: '/cache', readOnly: false },
      ],
      'backup: spec.run.volumesFrom': ['db-data'],
      'backup: spec.run.env': [
        { name: 'PGPASSWORD', value: 'secret-in-ini' },
        { name: 'TZ', value: 'UTC' },
      ],
    },
    issues: [],
  },
  {
    name: 'upstream: job-exec tty, environment; job-run of an existing container is a start job',
    ini: `
[job-exec "reindex"]
schedule = @every 10m
container = search
command = /app/reindex --full
user = app
tty = true
environment = MODE=full

[job-run "nightly-report"]
schedule = @midnight
container = report-generator
`,
    want: {
      'reindex: spec.schedule': '@every 10m',
      'reindex: spec.exec.user': 'app',
      'reindex: spec.exec.tty': true,
      'reindex: spec.exec.env': [{ name: 'MODE', value: 'full' }],
      'nightly-report: spec.start': { container: 'report-generator' },
      'nightly-report: spec.activeDeadlineSeconds': 86400,
    },
    issues: [],
  },
  {
    name: 'upstream: job-local dir and environment',
    ini: `
[job-local "rotate"]
schedule = 0 0 * * *
command = /usr/sbin/logrotate /etc/logrotate.conf
dir = /var/log
environment = VERBOSE=1
`,
    want: {
      'rotate: spec.local.workingDir': '/var/log',
      'rotate: spec.local.env': [{ name: 'VERBOSE', value: '1' }],
    },
    issues: [':different-meaning'],
  },
  {
    name: 'upstream mail and save middlewares, global and per job',
    ini: `
[global]
smtp-host = smtp.example.com
smtp-port = 587
smtp-user = ofelia
smtp-password = hunter2
smtp-tls-skip-verify = false
email-to = ops@example.com, dev@example.com
email-from = ofelia@%s
mail-only-on-error = true
save-folder = /var/log/ofelia
save-only-on-error = true

[job-exec "cleanup"]
schedule = @daily
container = app
command = rm -rf /tmp/cache
no-overlap = true
slack-webhook = https://hooks.slack.com/services/T1/B1/Y
mail-only-on-error = false
`,
    includeSecrets: true,
    want: { 'cleanup: spec.concurrencyPolicy': 'Forbid' },
    issues: [
      'smtp-host:not-yet',
      'smtp-port:not-yet',
      'smtp-user:not-yet',
      'smtp-password:needs-secret',
      'smtp-tls-skip-verify:not-yet',
      'email-to:not-yet',
      'email-from:not-yet',
      'mail-only-on-error:not-yet',
      'save-folder:not-yet',
      'save-only-on-error:not-yet',
      'slack-webhook:needs-secret',
      'mail-only-on-error:not-yet',
    ],
    secrets: {
      'ofelia-notifications': { 'smtp-password': 'hunter2' },
      'cleanup-notifications': { 'slack-webhook': 'https://hooks.slack.com/services/T1/B1/Y' },
    },
  },
  // ---- schedules
  {
    name: 'schedules: CRON_TZ, descriptors, @every truncated to seconds, ? as *',
    ini: `
[job-exec "tz"]
schedule = CRON_TZ=Europe/Berlin 0 3 * * *
container = app
command = true

[job-exec "annually"]
schedule = @annually
container = app
command = true

[job-exec "fast"]
schedule = @every 1500ms
container = app
command = true

[job-exec "question"]
schedule = 0 0 12 ? * MON-FRI
container = app
command = true

[job-exec "tz-prefix"]
schedule = TZ=America/New_York @daily
container = app
command = true
`,
    want: {
      'tz: spec.schedule': '0 3 * * *',
      'tz: spec.timeZone': 'Europe/Berlin',
      'annually: spec.schedule': '@annually',
      'fast: spec.schedule': '@every 1s',
      'question: spec.schedule': '0 0 12 * * MON-FRI',
      'tz-prefix: spec.schedule': '@daily',
      'tz-prefix: spec.timeZone': 'America/New_York',
    },
    issues: [],
  },
  // ---- the netresearch fork
  {
    name: 'fork: exec keys, default user nobody, env-file into a Secret, env-from, run-on-startup',
    ini: `
[job-exec "warm-cache"]
schedule = @triggered
container = web
command = php artisan cache:warm
env-file = app.env
env-from = web-config
working-dir = /srv/app
privileged = false
run-on-startup = true
history-limit = 20
console-height = 40
console-width = 120
`,
    envFiles: { 'app.env': '# app settings\nAPP_ENV=production\nexport DB_PASSWORD="s3cret"\n' },
    want: {
      'warm-cache: spec.schedule': '@manual',
      'warm-cache: spec.exec.user': 'nobody',
      'warm-cache: spec.exec.workingDir': '/srv/app',
      'warm-cache: spec.exec.privileged': false,
      'warm-cache: spec.exec.envFrom': [
        { secretRef: { name: 'warm-cache-env-file' } },
        { container: 'web-config' },
      ],
      'warm-cache: spec.successfulRunsHistoryLimit': 20,
      'warm-cache: spec.failedRunsHistoryLimit': 20,
      'warm-cache: metadata.annotations.ofelia\\.dev/run-now': 'ofelia-run-on-startup',
    },
    issues: [
      'env-file:needs-secret',
      'run-on-startup:different-meaning',
      'console-height:unsupported',
      'console-width:unsupported',
    ],
    secrets: { 'warm-cache-env-file': { APP_ENV: '', DB_PASSWORD: '' } },
  },
  {
    name: 'fork: run keys, default-user and max-runtime from [global], retries, dash/underscore-insensitive keys',
    ini: `
[global]
default-user = app
max-runtime = 2h
log-level = debug

[job-run "migrate"]
schedule = @none
image = app/migrate:2
command = migrate up
container_name = migrate-once
entrypoint = /bin/sh -c
Env_File = migrate.env
env-from = app
WorkingDir = /app
annotations = team=payments
annotations = tier=backend
stop-signal = SIGINT
stop-timeout = 45s
max_retries = 3
retry-delay-ms = 2000
retry-exponential = true
retry-max-delay-ms = 60000
allow-parallel = false
pull = true

[job-run "report"]
schedule = 0 6 * * 1
image = app/report:1
max-runtime = 90m
`,
    envFiles: { 'migrate.env': 'DATABASE_URL=postgres://db/app\n' },
    includeSecrets: true,
    want: {
      'migrate: spec.schedule': '@manual',
      'migrate: spec.run.user': 'app',
      'migrate: spec.run.command': ['/bin/sh', '-c'],
      'migrate: spec.run.args': ['migrate', 'up'],
      'migrate: spec.run.workingDir': '/app',
      'migrate: spec.run.labels': { team: 'payments', tier: 'backend' },
      'migrate: spec.run.stopSignal': 'SIGINT',
      'migrate: spec.run.stopTimeoutSeconds': 45,
      'migrate: spec.run.envFrom': [{ secretRef: { name: 'migrate-env-file' } }, { container: 'app' }],
      'migrate: spec.run.pullPolicy': 'Always',
      'migrate: spec.activeDeadlineSeconds': 7200,
      'migrate: spec.concurrencyPolicy': 'Forbid',
      'migrate: spec.retry': { limit: 3, initialBackoffSeconds: 2, maxBackoffSeconds: 60 },
      'report: spec.activeDeadlineSeconds': 5400,
      'report: spec.run.user': 'app',
    },
    issues: ['log-level:unsupported', 'container_name:different-meaning'],
    secrets: { 'migrate-env-file': { DATABASE_URL: 'postgres://db/app' } },
  },
  {
    name: 'fork: chains, webhooks, [webhook] and [docker] sections, variable substitution',
    ini: `
[global]
webhook-allowed-hosts = *
notification-cooldown = 5m
enable-web = true
web-address = :8081
allow-host-jobs-from-labels = false
job-exec-label-scope = container

[docker]
filters = label=com.docker.compose.project=shop
include-stopped = true
events = true
docker-poll-interval = 10s
polling-fallback = 30s
config-poll-interval = 10s

[webhook "ops"]
preset = slack
url = \${OPS_WEBHOOK}
id = T000
secret = abc
link = https://ops.example.com
link-text = Runbook
device = phone
trigger = error
timeout = 10s
retry-count = 3
retry-delay = 5s

[job-exec "extract"]
schedule = \${EXTRACT_SCHEDULE:-@hourly}
container = etl
command = etl extract --since \${SINCE:-1h}
webhooks = ops
on-success = transform
on-failure = alert
depends-on = prepare
email-subject = {{.Job.Name}}
smtp-tls-policy = mandatory
save-mode = 0600
save-folder-mode = 0750
restore-history = true
restore-history-max-age = 24h
`,
    env: { OPS_WEBHOOK: 'https://hooks.slack.com/services/T2/B2/Z' },
    want: {
      'extract: spec.schedule': '@hourly',
      'extract: spec.exec.command': ['etl', 'extract', '--since', '1h'],
    },
    issues: [
      'webhook-allowed-hosts:not-yet',
      'notification-cooldown:not-yet',
      'enable-web:unsupported',
      'web-address:unsupported',
      'allow-host-jobs-from-labels:unsupported',
      'job-exec-label-scope:unsupported',
      'filters:unsupported',
      'include-stopped:unsupported',
      'events:unsupported',
      'docker-poll-interval:unsupported',
      'polling-fallback:unsupported',
      'config-poll-interval:unsupported',
      'preset:not-yet',
      'url:needs-secret',
      'id:needs-secret',
      'secret:needs-secret',
      'link:not-yet',
      'link-text:not-yet',
      'device:not-yet',
      'trigger:not-yet',
      'timeout:not-yet',
      'retry-count:not-yet',
      'retry-delay:not-yet',
      'webhooks:not-yet',
      'on-success:not-yet',
      'on-failure:not-yet',
      'depends-on:not-yet',
      'email-subject:not-yet',
      'smtp-tls-policy:not-yet',
      'save-mode:not-yet',
      'save-folder-mode:not-yet',
      'restore-history:not-yet',
      'restore-history-max-age:not-yet',
    ],
    secrets: { 'webhook-ops': { url: '', id: '', secret: '' } },
  },
  {
    name: 'fork: job-compose is reported with an equivalent; job-local env-from is reported',
    ini: `
[job-compose "compose-backup"]
schedule = @daily
file = docker-compose.yml
service = backup
exec = true
command = /backup.sh

[job-local "host"]
schedule = @daily
command = /bin/true
working-dir = /tmp
env-from = app
`,
    dialect: 'netresearch',
    want: { 'host: spec.local.workingDir': '/tmp' },
    issues: [':unsupported', 'env-from:unsupported', ':different-meaning'],
  },
  {
    name: 'names that are not Kubernetes names get a stable hash suffix',
    ini: `
[job-exec "Backup DB_Nightly"]
schedule = @daily
container = db
command = backup
`,
    jobs: ['backup-db-nightly-'],
    issues: [],
  },
];

// ---- running the table -----------------------------------------------------------------------------

function get(o: unknown, dotted: string): unknown {
  // `\\.` keeps a dot inside one key (annotation names).
  const keys = dotted.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, '.'));
  let node = o as Record<string, unknown> | undefined;
  for (const k of keys) node = node?.[k] as Record<string, unknown> | undefined;
  return node;
}

function run(row: Row) {
  const result = importIni([{ source: 'ofelia.ini', text: row.ini }], {
    namespace: 'jobs',
    dialect: row.dialect ?? 'auto',
    includeSecrets: row.includeSecrets ?? false,
    env: row.env ?? {},
    readEnvFile: (path) =>
      row.envFiles?.[path] !== undefined
        ? { ok: true, text: row.envFiles[path]! }
        : { ok: false, reason: 'no such file' },
  });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result;
}

function issueKeys(issues: ImportIssue[]): string[] {
  return issues.map((i) => `${i.key}:${i.kind}`).sort();
}

for (const row of ROWS) {
  test(`translate: ${row.name}`, () => {
    const result = run(row);
    const byName = new Map<string, KubeObject>(result.jobs.map((j) => [j.metadata.name, j]));
    for (const [path, want] of Object.entries(row.want ?? {})) {
      const [name, field] = path.split(': ') as [string, string];
      const job = byName.get(name);
      assert.ok(job, `job ${name} was produced (got ${[...byName.keys()].join(', ')})`);
      assert.deepEqual(get(job, field), want, `${name}: ${field}`);
    }
    for (const prefix of row.jobs ?? []) {
      assert.ok(
        [...byName.keys()].some((n) => n.startsWith(prefix)),
        `a job named ${prefix}...`,
      );
    }
    if (row.issues) assert.deepEqual(issueKeys(result.issues), [...row.issues].sort());
    for (const job of result.jobs) {
      const checked = validateScheduledDockerJob(job);
      assert.ok(checked.ok, `${job.metadata.name}: ${checked.ok ? '' : JSON.stringify(checked.causes)}`);
      assert.deepEqual(findUnknownFields(job), [], `${job.metadata.name} has no unknown fields`);
      assert.equal(job.metadata.namespace, 'jobs');
      assert.equal(job.metadata.labels?.['ofelia.dev/imported-from'], 'ofelia-ini');
    }
    if (row.secrets) {
      const secrets = Object.fromEntries(result.secrets.map((s) => [s.metadata.name, s.stringData]));
      assert.deepEqual(secrets, row.secrets);
    }
    // No value of a secret-bearing key ever appears in a report line.
    for (const i of result.issues) {
      assert.doesNotMatch(i.reason, /hunter2|hooks\.slack\.com|s3cret|postgres:\/\//);
    }
  });
}

test('translate: every key in keys.ts is exercised by a row', () => {
  const text = ROWS.map((r) => r.ini)
    .join('\n')
    .toLowerCase();
  const written = new Set([...text.matchAll(/^\s*([a-z][a-z0-9_-]*)\s*=/gm)].map((m) => canonicalKey(m[1]!)));
  const all = [
    ...COMMON_JOB_KEYS,
    ...Object.values(JOB_KEYS).flat(),
    ...Object.keys(MIDDLEWARE_KEYS),
    ...Object.keys(CHAIN_KEYS),
    ...Object.keys(GLOBAL_KEYS).filter(
      (k) => !k.startsWith('web-') && !k.includes('pprof') && !k.startsWith('webhook-'),
    ),
    ...Object.keys(WEBHOOK_KEYS),
    ...Object.keys(DOCKER_SECTION_KEYS).filter(
      (k) => !['poll-interval', 'docker-events', 'disable-docker-events'].includes(k),
    ),
  ].filter((k) => k !== 'webhook-allowed-hosts');
  const missing = all.filter((k) => !written.has(canonicalKey(k)));
  // Keys shared by several tables need only one row; the web UI and tuning aliases are one reason each.
  assert.deepEqual([...new Set(missing)], []);
});

/** Ofelia's (the fork's) variable syntax, written without a template-looking literal. */
const HOME_VAR = `$${'{'}HOME}`;

test('translate: upstream keeps a variable literal; the fork substitutes it', () => {
  const ini = `[job-exec "x"]\nschedule = @daily\ncontainer = app\ncommand = echo ${HOME_VAR}\n`;
  const up = run({ name: 'up', ini, dialect: 'upstream', env: { HOME: '/root' } });
  assert.deepEqual(get(up.jobs[0], 'spec.exec.command'), ['echo', HOME_VAR]);
  const fork = run({ name: 'fork', ini, dialect: 'netresearch', env: { HOME: '/root' } });
  assert.deepEqual(get(fork.jobs[0], 'spec.exec.command'), ['echo', '/root']);
  const unset = run({ name: 'unset', ini, dialect: 'netresearch', env: {} });
  assert.deepEqual(issueKeys(unset.issues), ['command:invalid']);
});

test('translate: double quotes inside a value: gcfg (upstream) unquotes them, ini.v1 (fork) keeps them', () => {
  const ini = '[job-exec "x"]\nschedule = @daily\ncontainer = app\ncommand = sh -c "echo a  b"\n';
  const up = run({ name: 'up', ini, dialect: 'upstream' });
  assert.deepEqual(get(up.jobs[0], 'spec.exec.command'), ['sh', '-c', 'echo', 'a', 'b']);
  const fork = run({ name: 'fork', ini, dialect: 'netresearch' });
  assert.deepEqual(get(fork.jobs[0], 'spec.exec.command'), ['sh', '-c', 'echo a  b']);
});

test('translate: the dialect is detected from fork-only sections and keys', () => {
  const plain = run({
    name: 'plain',
    ini: '[job-exec "x"]\nschedule = @daily\ncontainer = a1\ncommand = true\n',
  });
  assert.equal(plain.ok && plain.dialect, 'upstream');
  const fork = run({
    name: 'fork',
    ini: '[job-exec "x"]\nschedule = @daily\ncontainer = a1\ncommand = true\nhistory-limit = 5\n',
  });
  assert.equal(fork.ok && fork.dialect, 'netresearch');
  assert.equal(get(fork.jobs[0], 'spec.exec.user'), 'nobody');
});
