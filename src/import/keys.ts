/**
 * The table of every Ofelia key this importer knows, per section kind, with what becomes of it:
 * translated (translate.ts, notifiers.ts and chains.ts build the field; the row says which), or
 * reported with a reason. Keys are compared the fork's way: case, dashes and underscores ignored
 * (`env_file` = `env-file` = `EnvFile`).
 *
 * Keys whose values are secrets (passwords, webhook URLs, tokens) are marked `secret`: their
 * values go into a Secret (printed without values unless --include-secrets), never into a
 * JobNotifier or a report line.
 */
import type { IssueKind } from './report.ts';

export type Dialect = 'upstream' | 'netresearch';

export interface ReportedKey {
  kind: IssueKind;
  reason: string;
  /** The value is a secret: kept in a Secret, never in a report line. */
  secret?: boolean;
}

/** Ofelia's three built-in notification middlewares. */
export type Middleware = 'slack' | 'mail' | 'save';

/** A key that is translated: `becomes` says into what (docs/migrating-from-ofelia.md repeats it). */
export interface TranslatedKey {
  becomes: string;
  /** The middleware the key configures (global or per job). */
  middleware?: Middleware;
  secret?: boolean;
}

export type KeyRule = TranslatedKey | ReportedKey;

export function isTranslated(rule: KeyRule | 'translated'): rule is TranslatedKey | 'translated' {
  return rule === 'translated' || 'becomes' in rule;
}

/** Canonical form of a key for lookups. */
export function canonicalKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function group<T>(keys: string[], entry: T): Record<string, T> {
  return Object.fromEntries(keys.map((k) => [k, entry]));
}

const SLACK = (becomes: string, secret = false): TranslatedKey => ({
  becomes: `JobNotifier type slack: ${becomes}`,
  middleware: 'slack',
  ...(secret ? { secret } : {}),
});
const MAIL = (becomes: string, secret = false): TranslatedKey => ({
  becomes: `JobNotifier type email: ${becomes}`,
  middleware: 'mail',
  ...(secret ? { secret } : {}),
});
const SAVE = (becomes: string): TranslatedKey => ({
  becomes: `JobNotifier type save: ${becomes}`,
  middleware: 'save',
});

/**
 * Middleware keys, allowed in [global] (a notifier for every imported job without its own) and in
 * every job section (a notifier for that job only; the fork fills the job's unset settings from
 * [global], and so does the import for both dialects, reporting it for upstream).
 */
export const MIDDLEWARE_KEYS: Readonly<Record<string, KeyRule>> = {
  'slack-webhook': SLACK('spec.addressFrom (Secret key url)', true),
  'slack-only-on-error': SLACK('spec.events [Failed] when true, else [Succeeded, Failed]'),
  'smtp-host': MAIL('spec.email.host'),
  'smtp-port': MAIL('spec.email.port (465: implicit TLS)'),
  'smtp-user': MAIL('spec.email.credentialsFrom (Secret key username)'),
  'smtp-password': MAIL('spec.email.credentialsFrom (Secret key password)', true),
  'smtp-tls-skip-verify': MAIL('nothing: the certificate is always verified (true is reported)'),
  'smtp-tls-policy': MAIL('spec.email.tls (mandatory, opportunistic, none)'),
  'email-to': MAIL('spec.email.to (the comma list split)'),
  'email-from': MAIL('spec.email.from'),
  'email-subject': MAIL('spec.email.subject (the Go template fields that have an equivalent)'),
  'mail-only-on-error': MAIL('spec.events [Failed] when true, else [Succeeded, Failed]'),
  'save-folder': SAVE('spec.save.folder'),
  'save-only-on-error': SAVE('spec.events [Failed] when true, else [Succeeded, Failed]'),
  'save-mode': SAVE('spec.save.fileMode'),
  'save-folder-mode': {
    kind: 'unsupported',
    reason: 'the operator creates a missing save folder with mode 0750; create it beforehand for other modes',
  },
  ...group(['restore-history', 'restore-history-max-age'], {
    kind: 'unsupported',
    reason:
      'run history is kept by the operator (status.recentRuns, the output store under --output-dir) across restarts; nothing is read back from the save folder',
  } satisfies ReportedKey),
  webhooks: {
    becomes: 'the [webhook "NAME"] JobNotifiers it names select this job (label ofelia.dev/webhook-NAME)',
  },
};

/** Chain keys of the fork (every job): `spec.after` of the job that runs second. */
export const CHAIN_KEYS: Readonly<Record<string, TranslatedKey>> = {
  'depends-on': { becomes: 'spec.after [{job: DEPENDENCY, on: Succeeded}] of this job' },
  'on-success': { becomes: 'spec.after [{job: THIS, on: Succeeded}] of the named job' },
  'on-failure': { becomes: 'spec.after [{job: THIS, on: Failed}] of the named job' },
};

const OPERATOR_SETTING = (flag: string): ReportedKey => ({
  kind: 'unsupported',
  reason: `an Ofelia daemon setting, not a job's: the operator's equivalent is ${flag}`,
});
const WEB_UI: ReportedKey = {
  kind: 'unsupported',
  reason: "Ofelia's web UI: use kubectl get/describe sdj, status, Events and /metrics instead",
};

/** [global] keys besides the middlewares. `default-user` and `max-runtime` are read by translate.ts, the notification keys by notifiers.ts. */
export const GLOBAL_KEYS: Readonly<Record<string, KeyRule | 'translated'>> = {
  'default-user': 'translated',
  'max-runtime': 'translated',
  'log-level': OPERATOR_SETTING('--log-level'),
  'allow-host-jobs-from-labels': OPERATOR_SETTING(
    '--allow-local-jobs (local jobs need it wherever they come from)',
  ),
  'job-exec-label-scope': OPERATOR_SETTING('--docker-labels (exec labels apply to their own container)'),
  ...group(
    [
      'enable-web',
      'web-address',
      'enable-pprof',
      'pprof-address',
      'web-auth-enabled',
      'web-username',
      'web-password-hash',
      'web-secret-key',
      'web-token-expiry',
      'web-max-login-attempts',
    ],
    WEB_UI,
  ),
  'notification-cooldown': {
    becomes: 'spec.cooldownSeconds of every imported slack, email and webhook JobNotifier',
  },
  'webhook-webhooks': {
    becomes: 'the [webhook "NAME"] JobNotifiers it names select every imported job',
  },
  'webhook-default-preset': { becomes: 'the type of [webhook] sections without a preset' },
  'webhook-allowed-hosts': {
    kind: 'unsupported',
    reason:
      'the operator sends to the addresses JobNotifiers name; restrict who may create JobNotifiers (RBAC) and egress (NetworkPolicy) instead',
  },
  ...group(
    [
      'webhook-allow-remote-presets',
      'webhook-trusted-preset-sources',
      'webhook-preset-cache-ttl',
      'webhook-preset-cache-dir',
    ],
    {
      kind: 'unsupported',
      reason: 'remote presets do not exist here: the JobNotifier types are built in',
    } satisfies ReportedKey,
  ),
};

/** [docker] keys (fork): how Ofelia finds labelled containers. */
export const DOCKER_SECTION_KEYS: Readonly<Record<string, ReportedKey>> = {
  ...group(
    ['filters'],
    OPERATOR_SETTING('--docker-labels (every container with ofelia.enabled=true on the daemon)'),
  ),
  ...group(['include-stopped'], OPERATOR_SETTING('--docker-labels (stopped containers keep their jobs)')),
  ...group(
    ['config-poll-interval', 'docker-poll-interval', 'poll-interval', 'polling-fallback'],
    OPERATOR_SETTING('--docker-labels-resync'),
  ),
  ...group(['events', 'docker-events'], OPERATOR_SETTING('--docker-labels (events are always followed)')),
  ...group(['disable-docker-events'], OPERATOR_SETTING('--docker-labels')),
};

/** Every key of a [webhook "NAME"] section (fork): one JobNotifier per section; url/secret/id are secrets. */
export const WEBHOOK_KEYS: Readonly<Record<string, KeyRule>> = {
  preset: {
    becomes:
      'spec.type: slack, discord, teams, ntfy (ntfy-token: with an Authorization header), gotify, pushover, pagerduty, healthchecks (also healthchecks-selfhosted); json-post and matrix (hookshot): webhook',
  },
  url: { becomes: 'the address, in a Secret (spec.addressFrom, key url)', secret: true },
  id: {
    becomes: "the preset's {id}: part of the address in the Secret; pushover's user, pagerduty's routingKey",
    secret: true,
  },
  secret: {
    becomes:
      "the preset's {secret}: part of the address in the Secret; gotify's and pushover's token, ntfy-token's bearer token",
    secret: true,
  },
  ...group(['link', 'link-text'], {
    kind: 'unsupported',
    reason: 'messages link to the dashboard the operator is given with --notify-dashboard-url',
  } satisfies ReportedKey),
  device: { kind: 'unsupported', reason: "pushover messages go to all of the user's devices" },
  trigger: {
    becomes: 'spec.events: error [Failed], success [Succeeded], skipped [Skipped], always all three',
  },
  timeout: { becomes: 'spec.timeoutSeconds (1..300)' },
  'retry-count': { becomes: 'spec.retry.limit (0..20)' },
  'retry-delay': { becomes: 'spec.retry initialBackoffSeconds = maxBackoffSeconds (a fixed delay)' },
};

/** Keys every job kind translates (common.ts part of translate.ts). */
export const COMMON_JOB_KEYS = [
  'schedule',
  'command',
  'no-overlap',
  'allow-parallel',
  'run-on-startup',
  'history-limit',
  'max-retries',
  'retry-delay-ms',
  'retry-exponential',
  'retry-max-delay-ms',
] as const;

/** Per job section kind: the keys translate.ts reads for it (besides the common ones). */
export const JOB_KEYS: Readonly<Record<string, readonly string[]>> = {
  'job-exec': [
    'container',
    'user',
    'tty',
    'environment',
    'env-file',
    'env-from',
    'working-dir',
    'privileged',
    'console-height',
    'console-width',
  ],
  'job-run': [
    'image',
    'container',
    'container-name',
    'user',
    'tty',
    'delete',
    'pull',
    'network',
    'hostname',
    'volume',
    'volumes-from',
    'environment',
    'env-file',
    'env-from',
    'entrypoint',
    'working-dir',
    'annotations',
    'stop-signal',
    'stop-timeout',
    'max-runtime',
  ],
  'job-local': ['dir', 'environment', 'env-file', 'env-from', 'working-dir'],
};

/** Sections reported whole, with a suggested equivalent. */
export const UNSUPPORTED_SECTIONS: Readonly<Record<string, string>> = {
  'job-service-run':
    "Swarm services are not supported: use [job-run] semantics (spec.run) on the node's daemon, with spec.placement to pick it",
  'job-compose':
    "compose jobs are not supported: use spec.exec into the service's container (exec = true) or spec.run with the service's image",
};

/** Keys that only the netresearch fork knows: one of them (or a fork-only section) selects that dialect. */
export const FORK_ONLY_KEYS = new Set(
  [
    'run-on-startup',
    'history-limit',
    'depends-on',
    'on-success',
    'on-failure',
    'env-file',
    'env-from',
    'entrypoint',
    'container-name',
    'working-dir',
    'privileged',
    'console-height',
    'console-width',
    'annotations',
    'stop-signal',
    'stop-timeout',
    'max-runtime',
    'max-retries',
    'retry-delay-ms',
    'retry-exponential',
    'retry-max-delay-ms',
    'allow-parallel',
    'webhooks',
    'email-subject',
    'smtp-tls-policy',
    'default-user',
    'notification-cooldown',
    'save-mode',
    'save-folder-mode',
    'restore-history',
    'restore-history-max-age',
    'webhook-webhooks',
    'webhook-default-preset',
  ].map(canonicalKey),
);
export const FORK_ONLY_SECTIONS = new Set(['docker', 'webhook', 'job-compose']);

/** Keys that may repeat (one value per line in INI, a JSON array in labels). */
export const REPEATABLE_KEYS = new Set(
  [
    'environment',
    'volume',
    'volumes-from',
    'env-file',
    'env-from',
    'depends-on',
    'on-success',
    'on-failure',
    'annotations',
  ].map(canonicalKey),
);

/** Looks a key up in a table written with dashes. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  const canon = canonicalKey(key);
  for (const [k, v] of Object.entries(table)) if (canonicalKey(k) === canon) return v;
  return undefined;
}
