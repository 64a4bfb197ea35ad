/**
 * Ofelia sections (from INI files or Docker labels) to ScheduledDockerJobs, the JobNotifiers of
 * their notification middlewares (notifiers.ts) and the Secrets they reference, with chains as
 * `spec.after` (chains.ts), plus an issue for every key that is not translated exactly. Pure: the only outside
 * input is `readEnvFile`, a function the caller passes (the CLI reads files; the label source
 * cannot, and says so).
 *
 * Every job that comes out has passed `validateScheduledDockerJob`; a job that would not (a bad
 * schedule, a missing command) is left out with an `invalid` issue saying why. Defaults that
 * differ between Ofelia and us, or between Ofelia's two dialects, are written out: the user (root
 * upstream, `nobody` or `default-user` in the fork), `pullPolicy` (Ofelia pulls by default),
 * `remove` (Ofelia deletes by default), `concurrencyPolicy` (Ofelia overlaps unless `no-overlap`)
 * and the 24 h cap Ofelia puts on job-run containers (`activeDeadlineSeconds`).
 */
import { API_VERSION, KIND, RUN_NOW_ANNOTATION } from '../api/schema.ts';
import { validateScheduledDockerJob } from '../api/validate.ts';
import { type ChainJob, translateChains } from './chains.ts';
import { parseEnvFile } from './env-file.ts';
import {
  CHAIN_KEYS,
  COMMON_JOB_KEYS,
  canonicalKey,
  type Dialect,
  DOCKER_SECTION_KEYS,
  GLOBAL_KEYS,
  isTranslated,
  JOB_KEYS,
  type KeyRule,
  lookup,
  MIDDLEWARE_KEYS,
  REPEATABLE_KEYS,
  UNSUPPORTED_SECTIONS,
  WEBHOOK_KEYS,
} from './keys.ts';
import { kubeName } from './names.ts';
import { type NotifierJob, translateNotifications } from './notifiers.ts';
import { IMPORT_LABEL, OFELIA_JOB_ANNOTATION, OFELIA_SOURCE_ANNOTATION } from './object-labels.ts';
import type { ImportIssue, IssueKind } from './report.ts';
import { sectionTitle } from './report.ts';
import { translateSchedule } from './schedule.ts';
import { type KubeObject, SecretBook } from './secret-book.ts';
import type { OfeliaEntry, OfeliaSection } from './sections.ts';
import { splitShellWords } from './shell-words.ts';
import { durationSeconds, parseBool } from './values.ts';

export { IMPORT_LABEL, OFELIA_JOB_ANNOTATION, OFELIA_SOURCE_ANNOTATION } from './object-labels.ts';
export type { KubeObject } from './secret-book.ts';
/** Token of the run-now annotation written for `run-on-startup` by the file import. */
export const RUN_ON_STARTUP_TOKEN = 'ofelia-run-on-startup';
/** Ofelia's cap on a job-run container when no max-runtime is set (both dialects). */
export const OFELIA_RUN_MAX_RUNTIME_SECONDS = 24 * 3600;

export type EnvFileRead = { ok: true; text: string } | { ok: false; reason: string };

export interface TranslateOptions {
  namespace: string;
  dialect: Dialect;
  /** Secret values are written only when true; otherwise the keys with empty values. */
  includeSecrets: boolean;
  /** `env-file` contents; undefined = env files cannot be read here. */
  readEnvFile?: (path: string, section: OfeliaSection) => EnvFileRead;
  /** Value of the imported-from label (`ini`, `docker`, `docker-labels`). */
  origin: string;
  /** The job's object name (default: the Ofelia name made a Kubernetes name). */
  jobName?: (section: OfeliaSection) => string;
  /** Extra metadata per job (the label source marks its objects). */
  metadata?: (section: OfeliaSection) => {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  /** The run-now token for run-on-startup (default RUN_ON_STARTUP_TOKEN). */
  runOnStartupToken?: (section: OfeliaSection) => string;
  /**
   * Labels on every notifier and Secret written, also required by the selector of a notifier that
   * stands for all jobs ([global] middleware, a webhook for every job): the live label source's
   * objects of one node never select another node's jobs, and it lists what it owns by them.
   */
  scopeLabels?: Readonly<Record<string, string>>;
  /**
   * Added to the names of notifiers that are not one job's own ([global] middleware, the fork's
   * webhooks) and of their Secrets: every node's label source has its own `ofelia-slack`, not one
   * name the first node takes and the others find taken.
   */
  scopeName?: string;
}

export interface Translation {
  jobs: KubeObject[];
  /** JobNotifiers for the middlewares and the fork's webhooks (notifiers.ts). */
  notifiers: KubeObject[];
  secrets: KubeObject[];
  issues: ImportIssue[];
}

/** Defaults from [global] that jobs inherit. */
interface Globals {
  defaultUser?: string;
  maxRuntimeSeconds?: number;
}

export function translateSections(sections: readonly OfeliaSection[], opts: TranslateOptions): Translation {
  const out: Translation = { jobs: [], notifiers: [], secrets: [], issues: [] };
  const secrets = new SecretBook(opts);
  const globals: Globals = {};
  for (const s of sections.filter((x) => x.kind === 'global')) readGlobal(s, globals, out.issues);
  const seen = new Map<string, OfeliaSection>();
  const built: Array<NotifierJob & ChainJob> = [];
  const leftOut: OfeliaSection[] = [];
  for (const s of sections) {
    const title = sectionTitle(s.kind, s.name);
    const issue = (kind: IssueKind, key: string, reason: string, line = s.line): void => {
      out.issues.push({ kind, source: s.source, line, section: title, key, reason });
    };
    if (s.kind === 'global') continue;
    if (s.kind === 'docker' || s.kind === 'webhook') {
      const table = s.kind === 'docker' ? DOCKER_SECTION_KEYS : WEBHOOK_KEYS;
      for (const e of merged(s.entries)) {
        const rule = lookup(table, e.key);
        if (!rule) issue('unsupported', e.key, `unknown key in ${title.replace(/ ".*"/, '')}`, e.line);
        else if (!isTranslated(rule)) issue(rule.kind, e.key, rule.reason, e.line);
      }
      continue;
    }
    const unsupported = UNSUPPORTED_SECTIONS[s.kind];
    if (unsupported) {
      issue('unsupported', '', unsupported);
      continue;
    }
    if (!JOB_KEYS[s.kind]) {
      issue(
        'invalid',
        '',
        `unknown section kind "${s.kind}": expected global, job-exec, job-run, job-local, job-service-run, job-compose, docker or webhook`,
      );
      continue;
    }
    if (s.name === undefined || s.name.trim() === '') {
      issue('invalid', '', `a job section needs a name: [${s.kind} "NAME"]`);
      continue;
    }
    leftOut.push(s);
    const name = opts.jobName ? opts.jobName(s) : kubeName(s.name);
    const earlier = seen.get(name);
    if (earlier) {
      issue(
        'invalid',
        '',
        `job name "${name}" is already taken by ${sectionTitle(earlier.kind, earlier.name)} at ${earlier.source}${earlier.line ? `:${earlier.line}` : ''}; this section is left out`,
      );
      continue;
    }
    const builder = new JobBuilder(s, name, globals, secrets, opts, out.issues);
    const job = builder.build();
    if (!job) continue;
    const checked = validateScheduledDockerJob(job);
    if (!checked.ok) {
      for (const c of checked.causes)
        issue('invalid', '', `the translated job is not valid: ${c.field}: ${c.message}`);
      continue;
    }
    seen.set(name, s);
    leftOut.pop();
    out.jobs.push(job);
    built.push({
      section: s,
      name,
      entries: builder.entryMap,
      labels: job.metadata.labels!,
      spec: job.spec as Record<string, unknown>,
    });
  }
  // Chains and notifiers refer to jobs by name, so they come once every job is known.
  translateChains(built, leftOut, out.issues);
  out.notifiers = translateNotifications(sections, built, {
    namespace: opts.namespace,
    origin: opts.origin,
    dialect: opts.dialect,
    secrets,
    issues: out.issues,
    scopeLabels: opts.scopeLabels ?? {},
    sharedNameSuffix: opts.scopeName ? `-${opts.scopeName}` : '',
  });
  out.secrets = secrets.objects();
  return out;
}

/** [global]: job defaults are read here, notification keys by notifiers.ts; the rest is reported. */
function readGlobal(s: OfeliaSection, globals: Globals, issues: ImportIssue[]): void {
  for (const e of merged(s.entries)) {
    const value = e.values[e.values.length - 1] ?? '';
    const canon = canonicalKey(e.key);
    if (canon === canonicalKey('default-user')) {
      globals.defaultUser = value;
      continue;
    }
    if (canon === canonicalKey('max-runtime')) {
      const seconds = durationSeconds(value);
      if (seconds === undefined) {
        issues.push(issueAt(s, e, 'invalid', `"${value}" is not a Go duration (e.g. 30m, 2h)`));
      } else globals.maxRuntimeSeconds = seconds;
      continue;
    }
    const rule: KeyRule | 'translated' | undefined =
      lookup(GLOBAL_KEYS, e.key) ?? lookup(MIDDLEWARE_KEYS, e.key);
    if (!rule) issues.push(issueAt(s, e, 'unsupported', 'unknown key in [global]'));
    else if (!isTranslated(rule)) issues.push(issueAt(s, e, rule.kind, rule.reason));
  }
}

function issueAt(s: OfeliaSection, e: OfeliaEntry, kind: IssueKind, reason: string): ImportIssue {
  return {
    kind,
    source: s.source,
    line: e.line ?? s.line,
    section: sectionTitle(s.kind, s.name),
    key: e.key,
    reason,
  };
}

/** Entries of one section gathered by canonical key (`env_file` and `env-file` are one key). */
function merged(entries: readonly OfeliaEntry[]): OfeliaEntry[] {
  const byKey = new Map<string, OfeliaEntry>();
  for (const e of entries) {
    const k = canonicalKey(e.key);
    const existing = byKey.get(k);
    if (existing) existing.values.push(...e.values);
    else byKey.set(k, { ...e, values: [...e.values] });
  }
  return [...byKey.values()];
}

type Spec = Record<string, unknown>;

/** One job section to one ScheduledDockerJob (or undefined, with issues, when it cannot be). */
class JobBuilder {
  private readonly entries = new Map<string, OfeliaEntry>();
  /** The section's entries by canonical key (chains and notifiers read theirs from it). */
  get entryMap(): ReadonlyMap<string, OfeliaEntry> {
    return this.entries;
  }
  private readonly consumed = new Set<string>();
  private readonly title: string;
  private failed = false;

  constructor(
    private readonly s: OfeliaSection,
    private readonly name: string,
    private readonly globals: Globals,
    private readonly secrets: SecretBook,
    private readonly opts: TranslateOptions,
    private readonly issues: ImportIssue[],
  ) {
    this.title = sectionTitle(s.kind, s.name);
    for (const e of merged(s.entries)) this.entries.set(canonicalKey(e.key), e);
  }

  build(): KubeObject | undefined {
    const spec: Spec = {};
    const schedule = this.one('schedule');
    if (schedule === undefined) this.invalid('schedule', 'schedule is required');
    else {
      const t = translateSchedule(schedule);
      if (!t.ok) this.invalid('schedule', `cannot be translated: ${t.reason}`);
      else {
        spec.schedule = t.schedule;
        if (t.timeZone) spec.timeZone = t.timeZone;
      }
    }
    this.common(spec);
    const annotations: Record<string, string> = {
      [OFELIA_JOB_ANNOTATION]: `${this.s.kind} "${this.s.name}"`,
      [OFELIA_SOURCE_ANNOTATION]:
        this.s.line !== undefined ? `${this.s.source}:${this.s.line}` : this.s.source,
    };
    if (this.bool('run-on-startup') === true) {
      annotations[RUN_NOW_ANNOTATION] = this.opts.runOnStartupToken?.(this.s) ?? RUN_ON_STARTUP_TOKEN;
      if (!this.s.container) {
        this.report(
          'run-on-startup',
          'different-meaning',
          `runs once when the job is first applied (${RUN_NOW_ANNOTATION} annotation), not at every operator start`,
        );
      }
    }
    if (this.s.kind === 'job-exec') spec.exec = this.exec();
    else if (this.s.kind === 'job-run') this.run(spec);
    else spec.local = this.local();
    this.leftovers();
    if (this.failed) return undefined;
    const extra = this.opts.metadata?.(this.s) ?? {};
    return {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: {
        name: this.name,
        namespace: this.opts.namespace,
        labels: { [IMPORT_LABEL]: this.opts.origin, ...(extra.labels ?? {}) },
        annotations: { ...annotations, ...(extra.annotations ?? {}) },
      },
      spec,
    };
  }

  // ---- common keys ------------------------------------------------------------------------------

  private common(spec: Spec): void {
    const noOverlap = this.bool('no-overlap');
    const allowParallel = this.bool('allow-parallel');
    // Ofelia lets runs overlap unless told otherwise; ours forbids by default: written out.
    spec.concurrencyPolicy =
      (noOverlap ?? (allowParallel === undefined ? false : !allowParallel)) ? 'Forbid' : 'Allow';
    const history = this.int('history-limit', 0);
    if (history !== undefined) {
      const kept = Math.min(history, 100);
      if (kept !== history)
        this.report(
          'history-limit',
          'different-meaning',
          `at most 100 runs are kept in status (asked: ${history})`,
        );
      spec.successfulRunsHistoryLimit = kept;
      spec.failedRunsHistoryLimit = kept;
    }
    const retries = this.int('max-retries', 0);
    const delayMs = this.int('retry-delay-ms', 0);
    const maxDelayMs = this.int('retry-max-delay-ms', 0);
    const exponential = this.bool('retry-exponential');
    if (retries !== undefined && retries > 0) {
      const retry: Spec = { limit: Math.min(retries, 100) };
      if (retries > 100) this.report('max-retries', 'different-meaning', 'at most 100 retries');
      const initial = delayMs !== undefined ? clampSeconds(delayMs) : undefined;
      if (initial !== undefined) {
        retry.initialBackoffSeconds = initial;
        if (delayMs! % 1000 !== 0)
          this.report('retry-delay-ms', 'different-meaning', `delays are whole seconds: ${initial}s`);
      }
      if (exponential === false) retry.maxBackoffSeconds = initial ?? 10;
      else if (maxDelayMs !== undefined)
        retry.maxBackoffSeconds = Math.max(clampSeconds(maxDelayMs), initial ?? 1);
      spec.retry = retry;
    }
  }

  // ---- job-exec ---------------------------------------------------------------------------------

  private exec(): Spec {
    const exec: Spec = {};
    const container = this.one('container') ?? this.s.container?.name;
    if (container === undefined) this.invalid('container', 'container is required for job-exec');
    else exec.container = container;
    const command = this.requiredWords('command');
    if (command) exec.command = command;
    exec.user = this.one('user') ?? this.defaultUser();
    const tty = this.bool('tty');
    if (tty !== undefined) exec.tty = tty;
    this.environment(exec);
    const workingDir = this.one('working-dir');
    if (workingDir !== undefined) exec.workingDir = workingDir;
    const privileged = this.bool('privileged');
    if (privileged !== undefined) exec.privileged = privileged;
    for (const key of ['console-height', 'console-width']) {
      if (this.take(key)) this.report(key, 'unsupported', 'the terminal size of an exec has no equivalent');
    }
    return exec;
  }

  // ---- job-run ----------------------------------------------------------------------------------

  private run(spec: Spec): void {
    const image = this.one('image');
    const container = this.one('container');
    if (image === undefined) {
      if (container === undefined) {
        this.invalid('image', 'job-run needs an image, or a container to start');
        return;
      }
      spec.start = { container };
      const ignored = JOB_KEYS['job-run']!.filter((k) => !['image', 'container', 'max-runtime'].includes(k));
      for (const key of [...ignored, 'command']) {
        if (this.take(key)) {
          this.report(
            key,
            'unsupported',
            'an existing container is started as it was created; this key does not apply',
          );
        }
      }
      this.maxRuntime(spec);
      return;
    }
    const run: Spec = { image };
    for (const key of ['container', 'container-name']) {
      if (key === 'container' ? container !== undefined : this.take(key)) {
        this.report(
          key,
          'different-meaning',
          "the run's container is named by the operator (job name, run time, instance) so that runs never clash; this name is not used",
        );
      }
    }
    const args = this.words('command');
    if (args !== undefined && args.length > 0) run.args = args;
    const entrypoint = this.one('entrypoint');
    if (entrypoint !== undefined) {
      const words = splitShellWords(entrypoint);
      if (!words.ok) this.invalid('entrypoint', words.reason);
      // An empty entrypoint clears the image's, as docker run --entrypoint "".
      else run.command = words.words.length ? words.words : [''];
    }
    run.user = this.one('user') ?? this.defaultUser();
    const tty = this.bool('tty');
    if (tty !== undefined) run.tty = tty;
    const del = this.bool('delete');
    run.remove = del === false ? 'Never' : 'Always';
    const pull = this.one('pull');
    if (pull !== undefined) {
      // Upstream compares the text with "true"; the fork parses a boolean.
      const always = this.opts.dialect === 'upstream' ? pull === 'true' : parseBool(pull);
      if (always === undefined) this.invalid('pull', `"${pull}" is not a boolean`);
      run.pullPolicy = always ? 'Always' : 'IfNotPresent';
    } else run.pullPolicy = 'Always';
    const network = this.one('network');
    if (network !== undefined) run.network = network;
    const hostname = this.one('hostname');
    if (hostname !== undefined) run.hostname = hostname;
    const volumes = this.all('volume').flatMap((v) => this.volume(v));
    if (volumes.length) run.volumes = volumes;
    const volumesFrom = this.all('volumes-from');
    if (volumesFrom.length) run.volumesFrom = volumesFrom;
    this.environment(run);
    const workingDir = this.one('working-dir');
    if (workingDir !== undefined) run.workingDir = workingDir;
    const labels: Record<string, string> = {};
    for (const a of this.all('annotations')) {
      const eq = a.indexOf('=');
      if (eq <= 0) this.invalid('annotations', 'expected key=value');
      else labels[a.slice(0, eq)] = a.slice(eq + 1);
    }
    if (Object.keys(labels).length) run.labels = labels;
    const stopSignal = this.one('stop-signal');
    if (stopSignal !== undefined) run.stopSignal = stopSignal;
    const stopTimeout = this.one('stop-timeout');
    if (stopTimeout !== undefined) {
      const seconds = durationSeconds(stopTimeout);
      if (seconds === undefined) this.invalid('stop-timeout', `"${stopTimeout}" is not a Go duration`);
      else run.stopTimeoutSeconds = seconds;
    }
    this.maxRuntime(spec);
    spec.run = run;
  }

  private maxRuntime(spec: Spec): void {
    const text = this.one('max-runtime');
    if (text !== undefined) {
      const seconds = durationSeconds(text);
      if (seconds === undefined) this.invalid('max-runtime', `"${text}" is not a Go duration (e.g. 30m, 2h)`);
      else if (seconds > 0) spec.activeDeadlineSeconds = seconds;
      return;
    }
    spec.activeDeadlineSeconds = this.globals.maxRuntimeSeconds || OFELIA_RUN_MAX_RUNTIME_SECONDS;
  }

  /** docker run -v syntax: SOURCE:TARGET[:OPTIONS]. */
  private volume(text: string): Spec[] {
    const parts = text.split(':');
    if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]) {
      this.report(
        'volume',
        'unsupported',
        `"${text}": only SOURCE:TARGET[:ro|rw] mounts are translated (anonymous volumes have no equivalent)`,
      );
      return [];
    }
    const [source, target, options = ''] = parts as [string, string, string?];
    const flags = options.split(',').filter(Boolean);
    const other = flags.filter((f) => f !== 'ro' && f !== 'rw');
    if (other.length)
      this.report('volume', 'different-meaning', `"${text}": mount options ${other.join(',')} are dropped`);
    return [
      { type: source.startsWith('/') ? 'bind' : 'volume', source, target, readOnly: flags.includes('ro') },
    ];
  }

  // ---- job-local --------------------------------------------------------------------------------

  private local(): Spec {
    const local: Spec = {};
    const command = this.requiredWords('command');
    if (command) local.command = command;
    const dir = this.one('dir') ?? this.one('working-dir');
    if (dir !== undefined) local.workingDir = dir;
    if (this.take('env-from')) {
      this.report('env-from', 'unsupported', "a local job's environment cannot be copied from a container");
    }
    this.environment(local, false);
    this.issues.push({
      kind: 'different-meaning',
      source: this.s.source,
      line: this.s.line,
      section: this.title,
      key: '',
      reason:
        "local job: runs on the operator's host only when the operator is started with --allow-local-jobs, with only its own environment and PATH (not the operator's)",
    });
    return local;
  }

  // ---- environment ------------------------------------------------------------------------------

  private environment(target: Spec, fromContainers = true): void {
    const env: Spec[] = [];
    for (const item of this.all('environment')) {
      const eq = item.indexOf('=');
      if (eq <= 0) {
        this.invalid('environment', 'expected NAME=value');
        continue;
      }
      env.push({ name: item.slice(0, eq), value: item.slice(eq + 1) });
    }
    const envFrom: Spec[] = [];
    const files = this.all('env-file');
    if (files.length) {
      const secretName = `${this.name}-env-file`;
      let name = '';
      for (const file of files) {
        const read = this.opts.readEnvFile?.(file, this.s) ?? {
          ok: false as const,
          reason: 'env files cannot be read by this source',
        };
        if (!read.ok) {
          this.report(
            'env-file',
            'needs-secret',
            `${file}: ${read.reason}; put its variables into Secret ${kubeName(secretName)}`,
          );
          name = this.secrets.markWithheld(secretName);
          continue;
        }
        const parsed = parseEnvFile(read.text);
        if (!parsed.ok) {
          this.invalid('env-file', `${file}:${parsed.line}: ${parsed.reason}`);
          continue;
        }
        for (const [k, v] of parsed.vars) name = this.secrets.put(secretName, k, v);
        if (!this.opts.includeSecrets) {
          this.report(
            'env-file',
            'needs-secret',
            `${file}: its variables are in Secret ${kubeName(secretName)}, values left out (import with --include-secrets to write them)`,
          );
        }
      }
      if (name) envFrom.push({ secretRef: { name } });
    }
    if (fromContainers) for (const container of this.all('env-from')) envFrom.push({ container });
    if (envFrom.length) target.envFrom = envFrom;
    if (env.length) target.env = env;
  }

  // ---- reading keys -----------------------------------------------------------------------------

  private defaultUser(): string {
    return this.opts.dialect === 'upstream' ? 'root' : (this.globals.defaultUser ?? 'nobody');
  }

  private take(key: string): OfeliaEntry | undefined {
    const canon = canonicalKey(key);
    this.consumed.add(canon);
    return this.entries.get(canon);
  }

  /** The value of a single-valued key (the last one when repeated, reported). */
  private one(key: string): string | undefined {
    const e = this.take(key);
    if (!e) return undefined;
    if (e.values.length > 1 && !REPEATABLE_KEYS.has(canonicalKey(key))) {
      this.report(key, 'different-meaning', `given ${e.values.length} times; the last value is used`);
    }
    return e.values[e.values.length - 1];
  }

  private all(key: string): string[] {
    return this.take(key)?.values ?? [];
  }

  private bool(key: string): boolean | undefined {
    const text = this.one(key);
    if (text === undefined) return undefined;
    const value = parseBool(text);
    if (value === undefined) this.invalid(key, `"${text}" is not a boolean (true or false)`);
    return value;
  }

  private int(key: string, min: number): number | undefined {
    const text = this.one(key);
    if (text === undefined) return undefined;
    const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min) {
      this.invalid(key, `"${text}" is not a whole number`);
      return undefined;
    }
    return value;
  }

  private words(key: string): string[] | undefined {
    const text = this.one(key);
    if (text === undefined) return undefined;
    const split = splitShellWords(text);
    if (!split.ok) {
      this.invalid(key, split.reason);
      return undefined;
    }
    return split.words;
  }

  /** A command that must be there: missing or empty is an issue (a malformed one already has its own). */
  private requiredWords(key: string): string[] | undefined {
    const present = this.entries.has(canonicalKey(key));
    const words = this.words(key);
    if (words?.length) return words;
    if (!present || words !== undefined) this.invalid(key, `${key} is required`);
    return undefined;
  }

  private entryLine(key: string): number | undefined {
    return this.entries.get(canonicalKey(key))?.line ?? this.s.line;
  }

  private report(key: string, kind: IssueKind, reason: string): void {
    const written = this.entries.get(canonicalKey(key))?.key ?? key;
    this.issues.push({
      kind,
      source: this.s.source,
      line: this.entryLine(key),
      section: this.title,
      key: written,
      reason,
    });
  }

  private invalid(key: string, reason: string): void {
    this.failed = true;
    this.report(key, 'invalid', `${reason}; the job is left out`);
  }

  /**
   * Keys nobody read: middleware and chain keys are translated by notifiers.ts and chains.ts, or
   * reported from their table rows; others do not apply or are unknown.
   */
  private leftovers(): void {
    const known = new Set([...COMMON_JOB_KEYS, ...(JOB_KEYS[this.s.kind] ?? [])].map(canonicalKey));
    for (const [canon, e] of this.entries) {
      if (this.consumed.has(canon)) continue;
      const rule = lookup(MIDDLEWARE_KEYS, e.key) ?? lookup(CHAIN_KEYS, e.key);
      if (rule) {
        if (!isTranslated(rule)) this.report(e.key, rule.kind, rule.reason);
      } else if (known.has(canon)) this.report(e.key, 'unsupported', `does not apply to ${this.s.kind}`);
      else this.report(e.key, 'unsupported', `unknown key for ${this.s.kind}`);
    }
  }
}

function clampSeconds(ms: number): number {
  return Math.min(86400, Math.max(1, Math.ceil(ms / 1000)));
}
