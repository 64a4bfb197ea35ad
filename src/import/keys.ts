/**
 * The table of every Ofelia key this importer knows, per section kind, with what becomes of it:
 * `translated` (translate.ts builds the field), or reported with a reason. Keys are compared the
 * fork's way: case, dashes and underscores ignored (`env_file` = `env-file` = `EnvFile`).
 *
 * Reported groups that will be translated later (notifications, chains) are rows here, so turning
 * one into a translation is one place: replace its `report` entry by a builder in translate.ts.
 * Keys whose values are secrets (passwords, webhook URLs) are marked `secret`: their values go into
 * a Secret (printed without values unless --include-secrets), never into a report line.
 */
import type { IssueKind } from './report.ts';

export type Dialect = 'upstream' | 'netresearch';

export interface ReportedKey {
  kind: IssueKind;
  reason: string;
  /** The value is a secret: kept in the import's notification Secret under this key name. */
  secret?: boolean;
}

/** Canonical form of a key for lookups. */
export function canonicalKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

const NOTIFICATIONS_LATER =
  'notification middleware: not translated yet; write a JobNotifier for it (docs/notifications.md)';
const CHAINS_LATER =
  'job chains: not translated yet (the chains resources do not exist); run the dependent job with the ofelia.dev/run-now annotation meanwhile';

function group(keys: string[], entry: ReportedKey): Record<string, ReportedKey> {
  return Object.fromEntries(keys.map((k) => [k, entry]));
}

/** Middleware keys, allowed in [global] and in every job section. */
export const MIDDLEWARE_KEYS: Readonly<Record<string, ReportedKey>> = {
  ...group(['slack-only-on-error'], { kind: 'not-yet', reason: `${NOTIFICATIONS_LATER} (slack)` }),
  ...group(['slack-webhook'], {
    kind: 'needs-secret',
    reason: `${NOTIFICATIONS_LATER} (slack); the webhook URL is kept in a Secret`,
    secret: true,
  }),
  ...group(
    [
      'smtp-host',
      'smtp-port',
      'smtp-user',
      'smtp-tls-skip-verify',
      'smtp-tls-policy',
      'email-to',
      'email-from',
      'email-subject',
      'mail-only-on-error',
    ],
    { kind: 'not-yet', reason: `${NOTIFICATIONS_LATER} (mail)` },
  ),
  ...group(['smtp-password'], {
    kind: 'needs-secret',
    reason: `${NOTIFICATIONS_LATER} (mail); the password is kept in a Secret`,
    secret: true,
  }),
  ...group(
    [
      'save-folder',
      'save-only-on-error',
      'save-mode',
      'save-folder-mode',
      'restore-history',
      'restore-history-max-age',
    ],
    {
      kind: 'not-yet',
      reason:
        "save middleware: not translated yet; every run's output goes to the operator's log and its tail to status.lastRun.logTail",
    },
  ),
  ...group(['webhooks'], { kind: 'not-yet', reason: `${NOTIFICATIONS_LATER} (webhooks)` }),
  ...group(['notification-cooldown'], { kind: 'not-yet', reason: NOTIFICATIONS_LATER }),
};

/** Chain keys of the fork (every job). */
export const CHAIN_KEYS: Readonly<Record<string, ReportedKey>> = group(
  ['depends-on', 'on-success', 'on-failure'],
  {
    kind: 'not-yet',
    reason: CHAINS_LATER,
  },
);

const OPERATOR_SETTING = (flag: string): ReportedKey => ({
  kind: 'unsupported',
  reason: `an Ofelia daemon setting, not a job's: the operator's equivalent is ${flag}`,
});
const WEB_UI: ReportedKey = {
  kind: 'unsupported',
  reason: "Ofelia's web UI: use kubectl get/describe sdj, status, Events and /metrics instead",
};

/** [global] keys besides the middlewares. `default-user` and `max-runtime` are read by translate.ts. */
export const GLOBAL_KEYS: Readonly<Record<string, ReportedKey | 'translated'>> = {
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
  ...group(
    [
      'webhook-allowed-hosts',
      'webhook-allow-remote-presets',
      'webhook-preset-cache-ttl',
      'webhook-preset-cache-dir',
      'webhook-webhooks',
    ],
    {
      kind: 'not-yet',
      reason: NOTIFICATIONS_LATER,
    },
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

/** Every key of a [webhook "NAME"] section (fork): reported; url/secret/id are secrets. */
export const WEBHOOK_KEYS: Readonly<Record<string, ReportedKey>> = {
  ...group(['preset', 'link', 'link-text', 'device', 'trigger', 'timeout', 'retry-count', 'retry-delay'], {
    kind: 'not-yet',
    reason: `${NOTIFICATIONS_LATER} (webhook)`,
  }),
  ...group(['url', 'secret', 'id'], {
    kind: 'needs-secret',
    reason: `${NOTIFICATIONS_LATER} (webhook); the value is kept in a Secret`,
    secret: true,
  }),
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
