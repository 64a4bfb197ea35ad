/**
 * The JobNotifier API (ofelia.dev/v1alpha1, namespaced): where to send word about runs (`type`,
 * `address` or a Secret holding it, headers, SMTP or folder settings), which run events fire it
 * (`events`, `jobSelector`), and how often (`cooldownSeconds`, delivery timeout, retries, queue).
 *
 * Like schema.ts this is the single source of the types, defaults, CRD and docs of the kind, and
 * follows the structural-schema rules: no unions, optional siblings plus checks in
 * validate-notifier.ts (which adds URL, selector, template and per-type rules with field paths).
 */
import { z } from 'zod';
import { ConditionSchema, KeySelectorSchema, ObjectMetaSchema } from './schema.ts';

export const NOTIFIER_KIND = 'JobNotifier';
export const NOTIFIER_LIST_KIND = 'JobNotifierList';
export const NOTIFIER_PLURAL = 'jobnotifiers';
export const NOTIFIER_SINGULAR = 'jobnotifier';
export const NOTIFIER_SHORT_NAMES = ['jn'] as const;
/** `kubectl get ofelia` lists notifiers; `get all` does not (configuration, not workloads, as Flux's Alerts). */
export const NOTIFIER_CATEGORIES = ['ofelia'] as const;

export const NOTIFIER_TYPES = [
  'webhook',
  'slack',
  'discord',
  'teams',
  'matrix',
  'ntfy',
  'gotify',
  'pushover',
  'pagerduty',
  'healthchecks',
  'email',
  'save',
] as const;
export type NotifierType = (typeof NOTIFIER_TYPES)[number];

/** Run events a notifier can fire on. `Recovered` is the first success after one or more failures. */
export const NOTIFY_EVENTS = ['Started', 'Succeeded', 'Failed', 'Recovered', 'Missed', 'Skipped'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** Most headers, recipients and selector terms: nothing needs more, and lists must stay bounded. */
export const MAX_NOTIFIER_LIST = 32;

const SecretKeyRefSchema = z.object({
  secretKeyRef: KeySelectorSchema.describe("A key of a Secret in the notifier's namespace."),
});

export const NotifierHeaderSchema = z.object({
  name: z.string().min(1).max(256).describe('HTTP header name.'),
  value: z.string().max(4096).optional().describe('Literal value. Exactly one of value and valueFrom.'),
  valueFrom: SecretKeyRefSchema.optional().describe('Take the value from a Secret key (tokens).'),
});

export const LabelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional().describe('Labels a job must carry, all of them.'),
  matchExpressions: z
    .array(
      z.object({
        key: z.string().min(1).describe('Label key.'),
        operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('How the key is matched.'),
        values: z
          .array(z.string())
          .max(MAX_NOTIFIER_LIST)
          .optional()
          .describe('Values for In and NotIn (at least one); empty for Exists and DoesNotExist.'),
      }),
    )
    .max(MAX_NOTIFIER_LIST)
    .optional()
    .describe('Label requirements, all of them.'),
});

export const NotifierEmailSchema = z.object({
  host: z.string().min(1).max(253).describe('SMTP server host name or address.'),
  port: z.number().int().min(1).max(65535).default(587).describe('SMTP port.'),
  tls: z
    .enum(['mandatory', 'opportunistic', 'none'])
    .default('mandatory')
    .describe(
      'mandatory: implicit TLS on port 465, STARTTLS required on any other port; opportunistic: STARTTLS when offered; none: plain text only.',
    ),
  credentialsFrom: z
    .object({ name: z.string().min(1).describe('Secret with the keys `username` and `password`.') })
    .optional()
    .describe('SMTP authentication (none when omitted).'),
  from: z.string().min(3).max(320).describe('Sender address.'),
  to: z.array(z.string().min(3).max(320)).min(1).max(MAX_NOTIFIER_LIST).describe('Recipient addresses.'),
  subject: z
    .string()
    .max(512)
    .default('[{{event}}] {{namespace}}/{{job}}: {{result}}')
    .describe(
      'Subject template: {{event}}, {{namespace}}, {{job}}, {{run}}, {{trigger}}, {{result}}, {{reason}}, {{exitCode}} are replaced.',
    ),
  attachReport: z
    .boolean()
    .default(true)
    .describe(
      "Attach the run's report as Ofelia's mail did: <stamp>_<namespace>_<job>.stdout.log, .stderr.log (the end of each stream, at most outputTailBytes) and .json. Only on messages about a finished run (Succeeded, Failed, Recovered).",
    ),
});

export const NotifierSaveSchema = z.object({
  folder: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'Absolute folder the files are written to; it must lie inside one of the folders the operator allows (--notify-save-dir).',
    ),
  fileMode: z
    .string()
    .regex(/^0?[0-7]{3}$/)
    .default('0640')
    .describe('Octal permission bits of the files written (e.g. 0640).'),
  retentionDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(0)
    .describe('Files of this notifier older than this many days are deleted on the next save (0: kept).'),
});

export const NotifierRetrySchema = z.object({
  limit: z.number().int().min(0).max(20).default(3).describe('Retries after a failed delivery (0..20).'),
  initialBackoffSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(1)
    .describe('Delay before the first retry; doubles each time up to maxBackoffSeconds.'),
  maxBackoffSeconds: z.number().int().min(1).max(3600).default(60).describe('Longest delay between retries.'),
});

export const JobNotifierSpecSchema = z.object({
  type: z.enum(NOTIFIER_TYPES).describe('Where messages go: the service and its payload format.'),
  address: z
    .string()
    .max(4096)
    .optional()
    .describe(
      'The URL to send to (webhook URL, ntfy topic URL, healthchecks ping URL ...). Defaults exist for pushover and pagerduty. Use addressFrom when the URL carries a token.',
    ),
  addressFrom: SecretKeyRefSchema.optional().describe('Take the address from a Secret key instead.'),
  headers: z
    .array(NotifierHeaderSchema)
    .max(MAX_NOTIFIER_LIST)
    .optional()
    .describe('Extra HTTP headers (for the HTTP types).'),
  credentialsFrom: z
    .object({ name: z.string().min(1).describe('Secret name.') })
    .optional()
    .describe(
      'Secret with service credentials: gotify `token`; pushover `token` and `user`; pagerduty `routingKey`; matrix `accessToken`.',
    ),
  email: NotifierEmailSchema.optional().describe('SMTP settings, for type email.'),
  save: NotifierSaveSchema.optional().describe('Folder settings, for type save.'),
  events: z
    .array(z.enum(NOTIFY_EVENTS))
    .min(1)
    .max(NOTIFY_EVENTS.length)
    .optional()
    .describe(
      'Run events that fire the notifier. Default: Failed and Recovered (healthchecks: Started, Succeeded, Failed).',
    ),
  jobSelector: LabelSelectorSchema.optional().describe("Which of the namespace's jobs (default: all)."),
  cooldownSeconds: z
    .number()
    .int()
    .min(0)
    .max(86400)
    .default(0)
    .describe(
      'Per job: after a message, further ones within this many seconds are not sent but counted, and the count is reported in the next message.',
    ),
  timeoutSeconds: z.number().int().min(1).max(300).default(10).describe('Timeout of one delivery attempt.'),
  retry: NotifierRetrySchema.optional().describe('Retries of a failed delivery, with exponential backoff.'),
  queueLimit: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(100)
    .describe('Messages waiting for delivery at most; further ones are dropped and counted.'),
  outputTailBytes: z
    .number()
    .int()
    .min(0)
    .max(16384)
    .default(2048)
    .describe('Bytes of the end of the run output a message carries (0: none).'),
});

export const NotifierCountersSchema = z.object({
  delivered: z.number().int().default(0),
  failed: z.number().int().default(0),
  suppressed: z.number().int().default(0).describe('Messages held back by the cooldown.'),
  dropped: z.number().int().default(0).describe('Messages dropped because the queue was full.'),
});

export const JobNotifierStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(ConditionSchema).optional(),
  lastDeliveryTime: z.string().optional().describe('When the last delivery ended (RFC 3339).'),
  lastDeliveryResult: z.enum(['Delivered', 'Failed']).optional(),
  lastError: z.string().optional().describe('Why the last failed delivery failed (never a secret).'),
  counters: NotifierCountersSchema.optional(),
});

export const JobNotifierSchema = z.object({
  apiVersion: z.literal('ofelia.dev/v1alpha1'),
  kind: z.literal(NOTIFIER_KIND),
  metadata: ObjectMetaSchema,
  spec: JobNotifierSpecSchema.describe('Where to send, on which events, how often.'),
  status: JobNotifierStatusSchema.optional().describe('Observed state, written by the operator.'),
});

export type JobNotifier = z.infer<typeof JobNotifierSchema>;
export type JobNotifierSpec = z.infer<typeof JobNotifierSpecSchema>;
export type JobNotifierStatus = z.infer<typeof JobNotifierStatusSchema>;
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;
export type NotifierHeader = z.infer<typeof NotifierHeaderSchema>;
