/**
 * The ScheduledDockerJob API (ofelia.dev/v1alpha1): the single source of truth.
 *
 * Types, defaults, shape validation and the CRD's openAPIV3Schema all come from these zod
 * schemas. Rules the schema cannot express (a cron pattern that really parses, a time zone that
 * exists, run/exec exclusivity, quantities) live in `validate.ts` and return field paths.
 *
 * Structural-schema rules (Kubernetes) shape how this is written: no unions (a choice is
 * optional sibling fields plus a check), no $ref, no strict objects, no dates (timestamps are
 * RFC 3339 strings).
 */
import { z } from 'zod';

export const GROUP = 'ofelia.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ScheduledDockerJob';
export const LIST_KIND = 'ScheduledDockerJobList';
export const PLURAL = 'scheduleddockerjobs';
export const SINGULAR = 'scheduleddockerjob';
export const SHORT_NAMES = ['sdj'] as const;
export const CATEGORIES = ['all', 'ofelia'] as const;

/** Annotation whose new value triggers one manual run. */
export const RUN_NOW_ANNOTATION = 'ofelia.dev/run-now';
/** Finalizer the controller puts on every job so that a delete stops its timers and runs first. */
export const FINALIZER = 'ofelia.dev/cleanup';

const RFC3339 = z.string().describe('RFC 3339 timestamp');

// Bounds on what the CRD's CEL rules (x-kubernetes-validations, see crd.ts) read: an API server
// refuses a CRD whose rules' estimated cost is unbounded, and the estimate multiplies by list sizes
// and string lengths.
/** Most items in a list a CEL rule iterates (env, volumes) or that has no use for more (imagePullSecrets). */
export const MAX_LIST_ITEMS = 100;
/** Longest volume source or target path. */
export const MAX_PATH_LENGTH = 4096;
/** Longest schedule expression. */
export const MAX_SCHEDULE_LENGTH = 256;

// ---- shared pieces ----------------------------------------------------------------------------

export const KeySelectorSchema = z.object({
  name: z.string().min(1).describe("Name of the Secret or ConfigMap in the job's namespace."),
  key: z.string().min(1).describe('Key inside it.'),
  optional: z.boolean().optional().describe('When true, a missing object or key leaves the variable unset.'),
});

export const EnvVarSchema = z.object({
  name: z.string().min(1).describe('Variable name (printable ASCII, no "=").'),
  value: z.string().optional().describe('Literal value. Exactly one of value and valueFrom.'),
  valueFrom: z
    .object({
      secretKeyRef: KeySelectorSchema.optional().describe('Take the value from a Secret key.'),
      configMapKeyRef: KeySelectorSchema.optional().describe('Take the value from a ConfigMap key.'),
    })
    .optional()
    .describe('Take the value from a Secret or ConfigMap (exactly one of the two).'),
});

export const ConcurrencyPolicySchema = z
  .enum(['Allow', 'Forbid', 'Replace'])
  .describe(
    'What to do when a run is due while another is active: Allow runs both; Forbid skips the new one ' +
      '(event JobAlreadyActive, counted as skipped); Replace cancels the active run, then starts the new one.',
  );

export const PullPolicySchema = z
  .enum(['Always', 'IfNotPresent', 'Never'])
  .describe('When to pull the image: Always before each run, IfNotPresent when missing locally, Never.');

export const RemovePolicySchema = z
  .enum(['Always', 'OnSuccess', 'Never'])
  .describe(
    'When to remove the container after a run: Always, OnSuccess (keep failed ones to inspect), Never.',
  );

export const VolumeSchema = z.object({
  type: z
    .enum(['volume', 'bind'])
    .default('volume')
    .describe(
      "volume: a named Docker volume; bind: a host path (subject to the operator's bind-mount allow-list).",
    ),
  source: z
    .string()
    .min(1)
    .max(MAX_PATH_LENGTH)
    .describe('Volume name, or absolute host path for a bind mount.'),
  target: z.string().min(1).max(MAX_PATH_LENGTH).describe('Absolute path inside the container (not "/").'),
  readOnly: z.boolean().default(false).describe('Mount read-only.'),
});

export const ResourcesSchema = z.object({
  memory: z
    .string()
    .optional()
    .describe(
      'Memory limit as a Kubernetes quantity in whole bytes (e.g. 128Mi, 1Gi, 500M); at least 6Mi, the Docker minimum.',
    ),
  cpus: z
    .string()
    .optional()
    .describe('CPU limit in cores (e.g. "0.5", "2", "500m"); at least 10m (0.01 core).'),
  pids: z
    .number()
    .int()
    .min(1)
    .max(4194304)
    .optional()
    .describe('Maximum number of processes in the container (1..4194304). Default: no limit.'),
});

// ---- options carried over from Ofelia (import, Docker labels) ------------------------------------

export const ObjectRefSchema = z.object({
  name: z.string().min(1).describe("Name of the Secret or ConfigMap in the job's namespace."),
  optional: z.boolean().optional().describe('When true, a missing object is skipped.'),
});

export const EnvFromSourceSchema = z.object({
  configMapRef: ObjectRefSchema.optional().describe('Every key of this ConfigMap becomes a variable.'),
  secretRef: ObjectRefSchema.optional().describe('Every key of this Secret becomes a variable.'),
  container: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Copy the environment of this container (name or id) at run time, as Ofelia's env-from. Exactly one of the three.",
    ),
});

/** Most envFrom sources or volumesFrom containers per job. */
export const MAX_FROM_ITEMS = 20;

const envFromField = z
  .array(EnvFromSourceSchema)
  .max(MAX_FROM_ITEMS)
  .optional()
  .describe(
    'Whole environments taken from ConfigMaps, Secrets or other containers, in order; env entries win over them.',
  );

/** Linux capability names as Docker takes them (without the CAP_ prefix), or ALL. */
const CapabilityName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'a capability name such as NET_BIND_SERVICE (no CAP_ prefix), or ALL')
  // Docker accepts both spellings; one keeps the policy's comparisons exact.
  .refine(
    (name) => !name.startsWith('CAP_'),
    'a capability name such as NET_BIND_SERVICE (no CAP_ prefix), or ALL',
  );

/**
 * The Kubernetes securityContext fields a Docker container has too; the operator's policy level
 * (docs/security.md) decides which values a job may use.
 */
export const SecurityContextSchema = z.object({
  readOnlyRootFilesystem: z
    .boolean()
    .optional()
    .describe("Mount the container's root filesystem read-only (required by the restricted policy)."),
  allowPrivilegeEscalation: z
    .boolean()
    .optional()
    .describe(
      'false: the process cannot gain privileges (no-new-privileges; required false by the restricted policy).',
    ),
  capabilities: z
    .object({
      add: z.array(CapabilityName).max(64).optional().describe('Capabilities added to the default set.'),
      drop: z
        .array(CapabilityName)
        .max(64)
        .optional()
        .describe('Capabilities removed (ALL: every one; required by the restricted policy).'),
    })
    .optional()
    .describe('Linux capabilities added and dropped.'),
});

export const RunSpecSchema = z.object({
  image: z
    .string()
    .min(1)
    .describe('Image reference, e.g. alpine:3.20 or registry.example.com/team/tool@sha256:...'),
  command: z
    .array(z.string())
    .optional()
    .describe('Replaces the image ENTRYPOINT (as in a Kubernetes container).'),
  args: z.array(z.string()).optional().describe('Replaces the image CMD (as in a Kubernetes container).'),
  env: z.array(EnvVarSchema).max(MAX_LIST_ITEMS).optional().describe('Environment variables.'),
  envFrom: envFromField,
  workingDir: z.string().optional().describe('Working directory inside the container.'),
  user: z
    .string()
    .optional()
    .describe("User (name or uid[:gid]) the process runs as. Default: the image's user."),
  hostname: z.string().optional().describe('Container hostname.'),
  tty: z.boolean().default(false).describe('Allocate a TTY (stdout and stderr are then merged).'),
  labels: z.record(z.string(), z.string()).optional().describe('Extra Docker labels on the container.'),
  resources: ResourcesSchema.optional().describe('Resource limits.'),
  volumes: z.array(VolumeSchema).max(MAX_LIST_ITEMS).optional().describe('Named volumes and bind mounts.'),
  volumesFrom: z
    .array(z.string().min(1))
    .max(MAX_FROM_ITEMS)
    .optional()
    .describe(
      'Mount the volumes of these containers ("name" or "name:ro"), as docker run --volumes-from. ' +
        "Their bind mounts must pass the operator's bind-mount allow-list.",
    ),
  network: z
    .string()
    .optional()
    .describe(
      "Docker network mode or name (none, bridge, a user network; host needs operator policy). Default: the daemon's default.",
    ),
  privileged: z
    .boolean()
    .default(false)
    .describe('Run privileged. Refused unless the operator policy allows it.'),
  hostPID: z
    .boolean()
    .optional()
    .describe("Share the host's PID namespace. Refused unless the operator policy allows it."),
  securityContext: SecurityContextSchema.optional().describe(
    'Read-only root filesystem, privilege escalation and capabilities (as in a Kubernetes container).',
  ),
  pullPolicy: PullPolicySchema.default('IfNotPresent'),
  imagePullSecrets: z
    .array(z.object({ name: z.string() }))
    .max(MAX_LIST_ITEMS)
    .optional()
    .describe('Secrets of type kubernetes.io/dockerconfigjson holding registry credentials.'),
  remove: RemovePolicySchema.default('Always'),
  stopSignal: z
    .string()
    .default('SIGTERM')
    .describe(
      'Signal sent first when a run must stop: a name (SIGTERM, TERM, SIGRTMIN+3) or a number (1..64).',
    ),
  stopTimeoutSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(10)
    .describe('Seconds between the stop signal and SIGKILL (0..3600).'),
});

export const ExecSpecSchema = z.object({
  container: z.string().min(1).describe('Name or id of the running container to execute in.'),
  command: z.array(z.string()).min(1).describe('Command and arguments (at least the command).'),
  user: z.string().optional().describe('User to run the command as.'),
  workingDir: z.string().optional().describe('Working directory.'),
  env: z.array(EnvVarSchema).max(MAX_LIST_ITEMS).optional().describe('Extra environment variables.'),
  envFrom: envFromField,
  tty: z.boolean().default(false).describe('Allocate a TTY.'),
  privileged: z
    .boolean()
    .default(false)
    .describe('Privileged exec. Refused unless the operator policy allows it.'),
});

export const StartSpecSchema = z.object({
  container: z
    .string()
    .min(1)
    .describe(
      'Name or id of an existing, stopped container: each run starts it, follows its output and waits for its exit. ' +
        'The container is never removed.',
    ),
});

export const LocalSpecSchema = z.object({
  command: z
    .array(z.string())
    .min(1)
    .describe('Program and arguments, run by the operator process itself (no shell).'),
  workingDir: z.string().optional().describe("Working directory (default: the operator's)."),
  env: z
    .array(EnvVarSchema)
    .max(MAX_LIST_ITEMS)
    .optional()
    .describe('Environment variables; the process gets only these and PATH.'),
  envFrom: envFromField,
});

export const RetrySchema = z.object({
  limit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(0)
    .describe('Retries after a failed run (0: none; at most 100).'),
  initialBackoffSeconds: z
    .number()
    .int()
    .min(1)
    .max(86400)
    .default(10)
    .describe('Delay before the first retry; doubles each time (1..86400, at most maxBackoffSeconds).'),
  maxBackoffSeconds: z
    .number()
    .int()
    .min(1)
    .max(86400)
    .default(300)
    .describe('Upper bound of the delay between retries (1..86400).'),
});

export const PlacementSchema = z.object({
  nodeName: z
    .string()
    .optional()
    .describe(
      'Only the operator replica started with this --node-name runs the job, on its node-local daemon.',
    ),
  daemon: z
    .string()
    .optional()
    .describe('Name of a Docker daemon configured in the operator (default: "local").'),
});

export const ScheduledDockerJobSpecSchema = z.object({
  schedule: z
    .string()
    .min(1)
    .max(MAX_SCHEDULE_LENGTH)
    .describe(
      'When to run: 5-field cron (minute hour day-of-month month day-of-week), 6-field cron with leading seconds, ' +
        '@yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly, "@every <duration>" (e.g. @every 90s, @every 1h30m), ' +
        '@manual (only when triggered), and H in any field (a stable per-job hash picks the value, e.g. "H * * * *", "H(0-29)/10 * * * *").',
    ),
  timeZone: z
    .string()
    .default('UTC')
    .describe('IANA time zone the schedule is read in (e.g. Europe/Berlin).'),
  jitterSeconds: z
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(0)
    .describe('Random delay of 0..N seconds added to each run (N at most 3600).'),
  suspend: z
    .boolean()
    .default(false)
    .describe('When true, no scheduled runs start (manual triggers still run).'),
  concurrencyPolicy: ConcurrencyPolicySchema.default('Forbid'),
  startingDeadlineSeconds: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      'A run that cannot start within this many seconds of its scheduled time is missed. Default: no deadline for the most recent missed time.',
    ),
  activeDeadlineSeconds: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'A run still going after this many seconds is stopped (result DeadlineExceeded). Default: no limit.',
    ),
  retry: RetrySchema.optional().describe('Retries with exponential backoff after a failed run.'),
  successfulRunsHistoryLimit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(3)
    .describe('Successful runs kept in status.recentRuns (0..100).'),
  failedRunsHistoryLimit: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(3)
    .describe('Failed runs kept in status.recentRuns (0..100).'),
  run: RunSpecSchema.optional().describe(
    'Run a new container from an image. Exactly one of run, exec, start and local.',
  ),
  exec: ExecSpecSchema.optional().describe(
    'Run a command in a running container. Exactly one of run, exec, start and local.',
  ),
  start: StartSpecSchema.optional().describe(
    "Start an existing stopped container (Ofelia's job-run with a container and no image). Exactly one of run, exec, start and local.",
  ),
  local: LocalSpecSchema.optional().describe(
    "Run a command on the operator's host (Ofelia's job-local): host access, refused unless the operator runs with --allow-local-jobs. Exactly one of run, exec, start and local.",
  ),
  placement: PlacementSchema.optional().describe('Where the job runs.'),
  after: z
    .array(
      z.object({
        job: z
          .string()
          .min(1)
          .max(253)
          .describe('A ScheduledDockerJob of the same namespace whose finished runs start this job.'),
        on: z
          .enum(['Succeeded', 'Failed', 'Completed'])
          .default('Succeeded')
          .describe(
            'Which finishes start a run: Succeeded, Failed (any result but Succeeded and Cancelled), or Completed (either).',
          ),
      }),
    )
    .max(20)
    .optional()
    .describe(
      'Chains: each matching finish of an upstream job starts one run of this job (trigger Chained), under its own concurrency policy, suspend and startingDeadlineSeconds (counted from the upstream finish). Use schedule @manual for a chain-only job.',
    ),
  notifications: z
    .object({
      enabled: z
        .boolean()
        .default(true)
        .describe('false: no JobNotifier sends anything about this job, whatever its selector (opt-out).'),
      notifiers: z
        .array(z.string().min(1).max(253))
        .max(MAX_LIST_ITEMS)
        .optional()
        .describe(
          "JobNotifiers of the job's namespace that notify about it even when their jobSelector does not select it (opt-in).",
        ),
    })
    .optional()
    .describe('How JobNotifiers treat this job (see docs/notifications.md).'),
});

// ---- status -----------------------------------------------------------------------------------

export const RUN_RESULTS = [
  'Succeeded',
  'Failed',
  'DeadlineExceeded',
  'Cancelled',
  'ImagePullFailed',
  'ContainerNotFound',
  'DaemonUnavailable',
  'PolicyDenied',
  'Error',
  // A run in progress on a replica that was lost: nobody saw it end (reason says why).
  'Unknown',
] as const;
export const RunResultSchema = z.enum(RUN_RESULTS);

export const RunTriggerSchema = z.enum(['Schedule', 'Manual', 'Retry', 'CatchUp', 'Chained']);

export const RunRecordSchema = z.object({
  name: z.string().describe('Run name, derived from (job, scheduled time); also the container name.'),
  trigger: RunTriggerSchema.optional(),
  attempt: z.number().int().optional().describe('1 for the first attempt, 2.. for retries.'),
  scheduledTime: RFC3339,
  startTime: RFC3339.optional(),
  finishTime: RFC3339.optional(),
  result: RunResultSchema,
  exitCode: z.number().int().optional(),
  reason: z.string().optional().describe('CamelCase reason.'),
  message: z.string().optional().describe('Human-readable detail.'),
  logTail: z.string().optional().describe('The last bytes of the output (bounded).'),
  containerId: z.string().optional(),
  node: z
    .string()
    .optional()
    .describe('Node (operator replica) that ran it; that replica holds its full output.'),
});

export const ActiveRunSchema = z.object({
  name: z.string(),
  containerId: z.string().optional(),
  scheduledTime: RFC3339,
  startTime: RFC3339.optional(),
  node: z.string().optional().describe('Node of the replica running it.'),
});

export const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string().optional(),
  lastTransitionTime: RFC3339,
  observedGeneration: z.number().int().optional(),
});

export const RunCountersSchema = z.object({
  succeeded: z.number().int().default(0),
  failed: z.number().int().default(0),
  missed: z.number().int().default(0),
  skipped: z.number().int().default(0),
});

export const ScheduledDockerJobStatusSchema = z.object({
  observedGeneration: z.number().int().optional(),
  conditions: z.array(ConditionSchema).optional(),
  active: z.array(ActiveRunSchema).optional().describe('Runs in progress.'),
  activeCount: z.number().int().optional().describe('Number of runs in progress (for printer columns).'),
  lastScheduleTime: RFC3339.optional().describe('Scheduled (nominal) time of the most recent run started.'),
  lastSuccessfulTime: RFC3339.optional().describe('Finish time of the most recent successful run.'),
  nextScheduleTime: RFC3339.optional().describe(
    'When the next scheduled run is due (empty for @manual or suspended).',
  ),
  lastResult: RunResultSchema.optional().describe(
    'Result of the most recent finished run (for printer columns).',
  ),
  lastRun: RunRecordSchema.optional(),
  recentRuns: z
    .array(RunRecordSchema)
    .optional()
    .describe('Most recent runs, newest first, within the history limits.'),
  counters: RunCountersSchema.optional(),
  lastManualTrigger: z.string().optional().describe('The ofelia.dev/run-now value last acted on.'),
  upstreamRuns: z
    .array(
      z.object({
        job: z.string().describe('The upstream job (spec.after[].job).'),
        run: z.string().optional().describe('Its latest finished run this job has acted on.'),
        finishTime: RFC3339.describe('That run’s finish time: later finishes are new.'),
      }),
    )
    .optional()
    .describe('Chains: per upstream job, the latest finish already acted on (so each starts one run, once).'),
  owner: z
    .string()
    .optional()
    .describe('Node of the replica that schedules the job (cluster mode: spread over live replicas).'),
});

// ---- the object -------------------------------------------------------------------------------

/** The subset of ObjectMeta the operator reads; the API server keeps the rest as given. */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
});

export const ScheduledDockerJobSchema = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMetaSchema,
  spec: ScheduledDockerJobSpecSchema.describe('What to run and when.'),
  status: ScheduledDockerJobStatusSchema.optional().describe(
    'Observed state, written by the operator through the status subresource.',
  ),
});

export type EnvVar = z.infer<typeof EnvVarSchema>;
export type Volume = z.infer<typeof VolumeSchema>;
export type Resources = z.infer<typeof ResourcesSchema>;
export type RunSpec = z.infer<typeof RunSpecSchema>;
export type SecurityContext = z.infer<typeof SecurityContextSchema>;
export type ExecSpec = z.infer<typeof ExecSpecSchema>;
export type StartSpec = z.infer<typeof StartSpecSchema>;
export type LocalSpec = z.infer<typeof LocalSpecSchema>;
export type EnvFromSource = z.infer<typeof EnvFromSourceSchema>;
export type RetrySpec = z.infer<typeof RetrySchema>;
export type Placement = z.infer<typeof PlacementSchema>;
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicySchema>;
export type PullPolicy = z.infer<typeof PullPolicySchema>;
export type RemovePolicy = z.infer<typeof RemovePolicySchema>;
export type ScheduledDockerJobSpec = z.infer<typeof ScheduledDockerJobSpecSchema>;
export type ScheduledDockerJobStatus = z.infer<typeof ScheduledDockerJobStatusSchema>;
export type RunResult = z.infer<typeof RunResultSchema>;
export type RunTrigger = z.infer<typeof RunTriggerSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type ActiveRun = z.infer<typeof ActiveRunSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;
/** A job after defaults are applied (what the controller works with). */
export type ScheduledDockerJob = z.infer<typeof ScheduledDockerJobSchema>;
/** A job as a user may write it (defaults not yet applied). */
export type ScheduledDockerJobInput = z.input<typeof ScheduledDockerJobSchema>;
