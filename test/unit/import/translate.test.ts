/**
 * Table-driven translation of Ofelia configurations, every key of both dialects: each row is an
 * INI text (real-world shapes: the upstream README and docs examples, the fork's examples), the
 * fields the jobs and JobNotifiers must have and the keys that must be reported. Every job and
 * notifier that comes out is checked again with validateScheduledDockerJob / validateJobNotifier
 * and for unknown fields, as `ofelia-operator validate` does.
 * A last test fails when keys.ts lists a key that no row exercises.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notifierOpenApiSchema } from '../../../src/api/notifier-crd.ts';
import { findUnknownFields } from '../../../src/api/unknown-fields.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { validateJobNotifier } from '../../../src/api/validate-notifier.ts';
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
  /** The same into each JobNotifier by name; the names of all notifiers written, when given. */
  notifiers?: Record<string, unknown>;
  notifierNames?: string[];
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
    // [global] slack: one notifier for every imported job, only on errors.
    notifiers: {
      'ofelia-slack: spec.type': 'slack',
      'ofelia-slack: spec.addressFrom': { secretKeyRef: { name: 'ofelia-slack', key: 'url' } },
      'ofelia-slack: spec.events': ['Failed'],
      'ofelia-slack: spec.jobSelector': {
        matchExpressions: [
          { key: 'ofelia.dev/imported-from', operator: 'Exists' },
          { key: 'ofelia.dev/notifier-slack', operator: 'DoesNotExist' },
        ],
      },
    },
    notifierNames: ['ofelia-slack'],
    issues: ['slack-webhook:needs-secret', ':different-meaning', ':unsupported'],
    secrets: { 'ofelia-slack': { url: '' } },
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
    want: {
      'cleanup: spec.concurrencyPolicy': 'Forbid',
      // Its own slack (no [global] one); `mail-only-on-error = false` is a zero value upstream, so
      // the [global] mail middleware still applies to it.
      'cleanup: metadata.labels': {
        'ofelia.dev/imported-from': 'ofelia-ini',
        'ofelia.dev/notifier-slack': 'cleanup-slack',
      },
    },
    notifiers: {
      'ofelia-mail: spec.email': {
        host: 'smtp.example.com',
        to: ['ops@example.com', 'dev@example.com'],
        port: 587,
        // upstream's gomail: STARTTLS when the server offers it (implicit TLS on 465 only)
        tls: 'opportunistic',
        from: 'ofelia@localhost',
        credentialsFrom: { name: 'ofelia-mail' },
      },
      'ofelia-mail: spec.events': ['Failed'],
      'ofelia-mail: spec.outputTailBytes': 16384,
      'ofelia-save: spec.save': { folder: '/var/log/ofelia' },
      'ofelia-save: spec.events': ['Failed'],
      'cleanup-slack: spec.events': ['Succeeded', 'Failed', 'Skipped'],
      'cleanup-slack: spec.addressFrom': { secretKeyRef: { name: 'cleanup-slack', key: 'url' } },
      'cleanup-slack: spec.jobSelector': { matchLabels: { 'ofelia.dev/notifier-slack': 'cleanup-slack' } },
    },
    notifierNames: ['cleanup-slack', 'ofelia-mail', 'ofelia-save'],
    issues: ['email-from:different-meaning', 'smtp-host:different-meaning', 'save-folder:different-meaning'],
    secrets: {
      'ofelia-mail': { username: 'ofelia', password: 'hunter2' },
      'cleanup-slack': { url: 'https://hooks.slack.com/services/T1/B1/Y' },
    },
  },
  {
    name: 'upstream: a job with part of a middleware takes the rest from [global] (reported), port 465 is implicit TLS',
    ini: `
[global]
smtp-host = smtp.example.com
smtp-port = 465
smtp-user = ofelia
smtp-password = hunter2
smtp-tls-skip-verify = true
email-to = ops@example.com
email-from = ofelia@example.com

[job-run "nightly"]
schedule = @daily
image = backup:1
mail-only-on-error = true
email-to = dba@example.com
slack-only-on-error = true
`,
    want: { 'nightly: metadata.labels.ofelia\\.dev/notifier-mail': 'nightly-mail' },
    notifiers: {
      'ofelia-mail: spec.email.tls': 'mandatory',
      'ofelia-mail: spec.events': ['Succeeded', 'Failed', 'Skipped'],
      'nightly-mail: spec.email.to': ['dba@example.com'],
      'nightly-mail: spec.email.host': 'smtp.example.com',
      // the password is [global]'s: the job's notifier uses [global]'s Secret
      'nightly-mail: spec.email.credentialsFrom': { name: 'ofelia-mail' },
      'nightly-mail: spec.events': ['Failed'],
    },
    notifierNames: ['nightly-mail', 'ofelia-mail'],
    issues: [
      'smtp-password:needs-secret',
      'smtp-tls-skip-verify:unsupported',
      'smtp-host:different-meaning',
      // takes smtp-host ... from [global]; slack-only-on-error without any slack-webhook
      ':different-meaning',
      'slack-only-on-error:invalid',
    ],
    secrets: { 'ofelia-mail': { username: 'ofelia', password: '' } },
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

[job-exec "prepare"]
schedule = @daily
container = etl
command = etl prepare

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

[job-exec "transform"]
schedule = @triggered
container = etl
command = etl transform

[job-exec "alert"]
schedule = @manual
container = etl
command = etl alert
`,
    env: { OPS_WEBHOOK: 'https://hooks.slack.com/services/T2/B2/Z' },
    want: {
      'extract: spec.schedule': '@hourly',
      'extract: spec.exec.command': ['etl', 'extract', '--since', '1h'],
      // depends-on = prepare: after prepare succeeds (and on its own schedule, as in the fork)
      'extract: spec.after': [{ job: 'prepare', on: 'Succeeded' }],
      'extract: metadata.labels.ofelia\\.dev/webhook-ops': 'true',
      'transform: spec.schedule': '@manual',
      'transform: spec.after': [{ job: 'extract', on: 'Succeeded' }],
      'alert: spec.after': [{ job: 'extract', on: 'Failed' }],
      'prepare: spec.after': undefined,
    },
    notifiers: {
      'webhook-ops: spec.type': 'slack',
      'webhook-ops: spec.addressFrom': { secretKeyRef: { name: 'webhook-ops', key: 'url' } },
      'webhook-ops: spec.events': ['Failed'],
      'webhook-ops: spec.timeoutSeconds': 10,
      'webhook-ops: spec.retry': { limit: 3, initialBackoffSeconds: 5, maxBackoffSeconds: 5 },
      'webhook-ops: spec.cooldownSeconds': 300,
      'webhook-ops: spec.jobSelector': { matchLabels: { 'ofelia.dev/webhook-ops': 'true' } },
    },
    notifierNames: ['webhook-ops'],
    issues: [
      'webhook-allowed-hosts:unsupported',
      'notification-cooldown:different-meaning',
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
      'url:needs-secret',
      // url replaces the preset's address: id and secret are not used (as in the fork)
      'id:unsupported',
      'secret:unsupported',
      'link:unsupported',
      'link-text:unsupported',
      'device:unsupported',
      // the job's mail and save settings have no host and no folder anywhere
      'email-subject:invalid',
      'save-mode:invalid',
      'save-folder-mode:unsupported',
      'restore-history:unsupported',
      'restore-history-max-age:unsupported',
    ],
    secrets: { 'webhook-ops': { url: '' } },
  },
  {
    name: 'fork: several upstreams, a missing job, a cycle',
    ini: `
[job-exec "a"]
schedule = @daily
container = etl
command = a
on-success = c

[job-exec "b"]
schedule = @daily
container = etl
command = b
on-success = c, nowhere

[job-exec "c"]
schedule = @triggered
container = etl
command = c
depends-on = a

[job-exec "x"]
schedule = @daily
container = etl
command = x
depends-on = y

[job-exec "y"]
schedule = @daily
container = etl
command = y
depends-on = x
`,
    want: {
      // depends-on = a and a's on-success = c are one edge
      'c: spec.after': [
        { job: 'a', on: 'Succeeded' },
        { job: 'b', on: 'Succeeded' },
      ],
      'x: spec.after': [{ job: 'y', on: 'Succeeded' }],
      'y: spec.after': [{ job: 'x', on: 'Succeeded' }],
    },
    issues: ['on-success:invalid', ':different-meaning', ':different-meaning'],
  },
  {
    name: "fork: webhook presets, [global] webhook-webhooks, a job's mail override inherits [global]",
    ini: `
[global]
webhook-webhooks = team
webhook-default-preset = json-post
smtp-host = smtp.example.com
smtp-port = 587
email-to = ops@example.com
email-from = ofelia@example.com
smtp-tls-policy = opportunistic
email-subject = [{{ .Execution.Status }}] {{.Job.Name}} ({{.Execution.ID}})

[webhook "team"]
preset = ntfy-token
id = team-alerts
secret = tk_abc
trigger = always

[webhook "pd"]
preset = pagerduty
id = R0123
trigger = error

[webhook "push"]
preset = pushover
id = user-key
secret = app-token
trigger = success

[webhook "hc"]
preset = healthchecks
id = 735c8c4e-32dd
trigger = skipped
timeout = 10m
retry-count = 50

[webhook "gotify"]
preset = gotify
url = https://gotify.example.com
secret = gotify-token

[webhook "json"]
url = https://hooks.example.com/ofelia

[webhook "mx"]
preset = matrix
url = https://matrix.example.com/hookshot/webhooks/webhook/abc

[webhook "remote"]
preset = gh:someone/presets/custom.yaml@v1
url = https://x.example.com

[webhook "unused"]
preset = discord
id = 1
secret = 2

[job-run "backup"]
schedule = @daily
image = backup:1
webhooks = pd, push, hc, gotify, json, mx, remote, missing
mail-only-on-error = true
email-subject = {{.Job.Command}}
`,
    includeSecrets: true,
    want: {
      'backup: metadata.labels.ofelia\\.dev/notifier-mail': 'backup-mail',
      'backup: metadata.labels.ofelia\\.dev/webhook-pd': 'true',
      'backup: metadata.labels.ofelia\\.dev/webhook-remote': undefined,
    },
    notifiers: {
      'webhook-team: spec.type': 'ntfy',
      'webhook-team: spec.events': ['Succeeded', 'Failed', 'Skipped'],
      'webhook-team: spec.headers': [
        {
          name: 'Authorization',
          valueFrom: { secretKeyRef: { name: 'webhook-team', key: 'authorization' } },
        },
      ],
      'webhook-team: spec.jobSelector': {
        matchExpressions: [{ key: 'ofelia.dev/imported-from', operator: 'Exists' }],
      },
      'webhook-pd: spec.type': 'pagerduty',
      'webhook-pd: spec.credentialsFrom': { name: 'webhook-pd' },
      'webhook-pd: spec.addressFrom': undefined,
      'webhook-push: spec.type': 'pushover',
      'webhook-push: spec.events': ['Succeeded'],
      'webhook-hc: spec.type': 'healthchecks',
      'webhook-hc: spec.events': ['Skipped'],
      'webhook-hc: spec.timeoutSeconds': 300,
      'webhook-hc: spec.retry': { limit: 20, initialBackoffSeconds: 5, maxBackoffSeconds: 5 },
      'webhook-gotify: spec.type': 'gotify',
      'webhook-json: spec.type': 'webhook',
      'webhook-mx: spec.type': 'webhook',
      'ofelia-mail: spec.email.tls': 'opportunistic',
      'ofelia-mail: spec.email.subject': '[{{result}}] {{job}} ({{run}})',
      'backup-mail: spec.events': ['Failed'],
      // its own subject uses a field without an equivalent: the default subject, reported
      'backup-mail: spec.email.subject': undefined,
      'backup-mail: spec.email.host': 'smtp.example.com',
    },
    notifierNames: [
      'backup-mail',
      'ofelia-mail',
      'webhook-gotify',
      'webhook-hc',
      'webhook-json',
      'webhook-mx',
      'webhook-pd',
      'webhook-push',
      'webhook-team',
    ],
    issues: [
      'smtp-host:different-meaning',
      'email-subject:different-meaning',
      'webhooks:invalid',
      // healthchecks pings, the matrix hookshot and json-post payloads differ
      'preset:different-meaning',
      'preset:different-meaning',
      ':different-meaning',
      'preset:unsupported',
      'timeout:different-meaning',
      'retry-count:different-meaning',
      ':unsupported',
    ],
    secrets: {
      'webhook-team': { url: 'https://ntfy.sh/team-alerts', authorization: 'Bearer tk_abc' },
      'webhook-pd': { routingKey: 'R0123' },
      'webhook-push': { token: 'app-token', user: 'user-key' },
      'webhook-hc': { url: 'https://hc-ping.com/735c8c4e-32dd' },
      'webhook-gotify': { url: 'https://gotify.example.com/message', token: 'gotify-token' },
      'webhook-json': { url: 'https://hooks.example.com/ofelia' },
      'webhook-mx': { url: 'https://matrix.example.com/hookshot/webhooks/webhook/abc' },
    },
  },
  {
    name: 'bad middleware values: each reported at its line, the notifier left out or a default kept',
    ini: `
[global]
slack-webhook = https://hooks.slack.com/services/T0/B0/X
slack-only-on-error = maybe
save-folder = relative/logs
notification-cooldown = soon
smtp-host = smtp.example.com
smtp-port = 99999
email-to = not-an-address
email-from = ofelia@example.com
webhook-webhooks = nowhere

[webhook "bad"]
preset = slack
trigger = sometimes
retry-delay = later

[job-exec "x"]
schedule = @daily
container = app
command = true
webhooks = bad
save-mode = 999
`,
    dialect: 'netresearch',
    want: { 'x: metadata.labels.ofelia\\.dev/webhook-bad': undefined },
    notifierNames: ['ofelia-slack'],
    notifiers: { 'ofelia-slack: spec.events': ['Succeeded', 'Failed', 'Skipped'] },
    issues: [
      'slack-webhook:needs-secret',
      'slack-only-on-error:invalid',
      // relative: no save notifier for [global]; x's save-mode inherits the same folder
      'save-folder:invalid',
      'notification-cooldown:invalid',
      'smtp-port:invalid',
      // the mail notifier is refused by validation (the recipient), with the field path
      ':invalid',
      'smtp-host:different-meaning',
      'webhook-webhooks:invalid',
      // the slack preset needs id and secret (or url)
      ':invalid',
      // x's save-mode takes the folder from [global]: its notifier is left out, said at x
      'save-mode:invalid',
    ],
  },
  {
    name: 'upstream: middleware keys with zero values build no middleware (IsEmpty), in [global] and per job',
    ini: `
[global]
slack-only-on-error = false
smtp-tls-skip-verify = false

[job-exec "quiet"]
schedule = @daily
container = app
command = true
save-only-on-error = false
`,
    dialect: 'upstream',
    want: { 'quiet: metadata.labels': { 'ofelia.dev/imported-from': 'ofelia-ini' } },
    notifierNames: [],
    issues: [],
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
    const notifiers = new Map<string, KubeObject>(result.notifiers.map((n) => [n.metadata.name, n]));
    for (const [path, want] of Object.entries(row.notifiers ?? {})) {
      const [name, field] = path.split(': ') as [string, string];
      const n = notifiers.get(name);
      assert.ok(n, `notifier ${name} was produced (got ${[...notifiers.keys()].join(', ')})`);
      assert.deepEqual(get(n, field), want, `${name}: ${field}`);
    }
    if (row.notifierNames) assert.deepEqual([...notifiers.keys()].sort(), row.notifierNames);
    for (const n of result.notifiers) {
      const checked = validateJobNotifier(n);
      assert.ok(checked.ok, `${n.metadata.name}: ${checked.ok ? '' : JSON.stringify(checked.causes)}`);
      assert.deepEqual(
        findUnknownFields(n, notifierOpenApiSchema()),
        [],
        `${n.metadata.name}: unknown fields`,
      );
      assert.equal(n.metadata.namespace, 'jobs');
      // A notifier never holds a secret: addresses and tokens are in Secrets.
      assert.doesNotMatch(JSON.stringify(n), /hunter2|hooks\.slack\.com|tk_abc|app-token|R0123|gotify-token/);
    }
    if (row.secrets) {
      const secrets = Object.fromEntries(result.secrets.map((s) => [s.metadata.name, s.stringData]));
      assert.deepEqual(secrets, row.secrets);
    }
    // No value of a secret-bearing key ever appears in a report line.
    for (const i of result.issues) {
      assert.doesNotMatch(i.reason, /hunter2|hooks\.slack\.com|s3cret|postgres:\/\/|tk_abc|app-token/);
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
      (k) =>
        !k.startsWith('web-') &&
        !k.includes('pprof') &&
        (!k.startsWith('webhook-') || ['webhook-webhooks', 'webhook-default-preset'].includes(k)),
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
