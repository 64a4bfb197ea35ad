/**
 * Ofelia's notification middlewares to JobNotifiers (docs/notifications.md): slack, mail and save
 * in [global] and per job, and the netresearch fork's [webhook "NAME"] sections with their presets.
 * Pure; reads the sections and the built jobs, adds selector labels to those jobs, writes the
 * addresses and credentials into Secrets (SecretBook), and returns the notifiers.
 *
 * How Ofelia's scoping maps (both dialects): a job with its own settings of a middleware gets its
 * own notifier, selecting exactly that job through the label `ofelia.dev/notifier-<middleware>`;
 * the [global] middleware's notifier selects every imported job WITHOUT that label, because in
 * Ofelia a job's own middleware replaces the global one of the same kind (upstream's
 * `middlewareContainer.Use` keeps the first of a type). A job's unset settings are taken from
 * [global], as the fork does (`mergeNotificationDefaults`); upstream did not, which is reported.
 * `*-only-on-error = true` is `events: [Failed]`; otherwise Ofelia reports every execution,
 * skipped ones included (its middlewares run on after the overlap middleware stops a run), so
 * `[Succeeded, Failed, Skipped]`.
 *
 * Never: writes a secret into a JobNotifier or an issue, returns a notifier that
 * validateJobNotifier refuses (it is left out with an `invalid` issue instead).
 */
import { NOTIFIER_KIND, type NotifyEvent } from '../api/notifier-schema.ts';
import { API_VERSION } from '../api/schema.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';
import { canonicalKey, type Dialect, GLOBAL_KEYS, lookup, MIDDLEWARE_KEYS, type Middleware } from './keys.ts';
import { kubeName } from './names.ts';
import { IMPORT_LABEL, OFELIA_SOURCE_ANNOTATION, ownNotifierLabel, webhookLabel } from './object-labels.ts';
import { type ImportIssue, type IssueKind, sectionTitle } from './report.ts';
import type { KubeObject, SecretBook } from './secret-book.ts';
import type { OfeliaEntry, OfeliaSection } from './sections.ts';
import { durationSeconds, parseBool } from './values.ts';

/** A built job, as the notifiers see it. */
export interface NotifierJob {
  section: OfeliaSection;
  /** The job's object name. */
  name: string;
  /** The job's entries by canonical key. */
  entries: ReadonlyMap<string, OfeliaEntry>;
  /** The job's metadata.labels: selector labels are added here. */
  labels: Record<string, string>;
}

export interface NotifierContext {
  namespace: string;
  origin: string;
  dialect: Dialect;
  secrets: SecretBook;
  issues: ImportIssue[];
}

/** Ofelia attaches or saves the whole output; a message here carries at most this much of it. */
export const IMPORTED_OUTPUT_TAIL_BYTES = 16384;
/** Events of a middleware that reports every execution. */
const EVERY_EXECUTION: NotifyEvent[] = ['Succeeded', 'Failed', 'Skipped'];

interface Setting {
  value: string;
  entry: OfeliaEntry;
  section: OfeliaSection;
  /** Taken from [global] for a job. */
  inherited?: boolean;
}
type Settings = Map<string, Setting>;

const C = canonicalKey;

export function translateNotifications(
  sections: readonly OfeliaSection[],
  jobs: readonly NotifierJob[],
  ctx: NotifierContext,
): KubeObject[] {
  const t = new NotifierTranslation(ctx);
  const global: Settings = new Map();
  for (const s of sections.filter((x) => x.kind === 'global'))
    for (const e of s.entries) {
      const rule = lookup(MIDDLEWARE_KEYS, e.key) ?? lookup(GLOBAL_KEYS, e.key);
      if (rule && rule !== 'translated' && 'becomes' in rule) global.set(C(e.key), setting(e, s));
    }
  const cooldown = t.cooldown(global.get(C('notification-cooldown')));
  for (const mw of ['slack', 'mail', 'save'] as const) {
    const own = middlewareSettings(global, mw);
    if (own.size) t.middleware(mw, own, undefined, cooldown);
    for (const job of jobs) {
      const settings = jobMiddlewareSettings(job, mw, ctx.dialect);
      if (!settings.size) continue;
      const inherited: Setting[] = [];
      for (const [k, g] of own)
        if (!settings.has(k)) {
          settings.set(k, { ...g, inherited: true });
          inherited.push(g);
        }
      if (inherited.length && ctx.dialect === 'upstream') {
        t.issue(
          job.section,
          undefined,
          'different-meaning',
          `the job's ${mw} middleware takes ${inherited.map((g) => g.entry.key).join(', ')} from [global] (as the netresearch fork does); upstream Ofelia used the job's own settings only`,
        );
      }
      t.middleware(mw, settings, job, cooldown);
    }
  }
  t.webhooks(sections, jobs, global, cooldown);
  return t.notifiers;
}

function setting(entry: OfeliaEntry, section: OfeliaSection): Setting {
  return { value: entry.values[entry.values.length - 1] ?? '', entry, section };
}

function middlewareSettings(all: Settings, mw: Middleware): Settings {
  const out: Settings = new Map();
  for (const [k, s] of all) {
    const rule = lookup(MIDDLEWARE_KEYS, s.entry.key);
    if (rule && 'middleware' in rule && rule.middleware === mw) out.set(k, s);
  }
  return out;
}

/**
 * A job's own settings of one middleware. Upstream builds a job's middleware only when its
 * settings are not all zero values (`IsEmpty`): an empty value or a false boolean is not "own".
 */
function jobMiddlewareSettings(job: NotifierJob, mw: Middleware, dialect: Dialect): Settings {
  const out: Settings = new Map();
  for (const [k, e] of job.entries) {
    const rule = lookup(MIDDLEWARE_KEYS, e.key);
    if (!rule || !('middleware' in rule) || rule.middleware !== mw) continue;
    const s = setting(e, job.section);
    if (s.value.trim() === '') continue;
    if (dialect === 'upstream' && parseBool(s.value) === false) continue;
    out.set(k, s);
  }
  return out;
}

class NotifierTranslation {
  readonly notifiers: KubeObject[] = [];
  private readonly names = new Set<string>();
  /** The Secret of a [global] middleware, reused by jobs that inherit its secret values. */
  private readonly globalSecret = new Map<Middleware, string>();

  constructor(private readonly ctx: NotifierContext) {}

  issue(section: OfeliaSection, entry: OfeliaEntry | undefined, kind: IssueKind, reason: string): void {
    this.ctx.issues.push({
      kind,
      source: section.source,
      line: entry?.line ?? section.line,
      section: sectionTitle(section.kind, section.name),
      key: entry?.key ?? '',
      reason,
    });
  }

  /** An issue at a setting's own line; none for a setting a job took from [global] (reported there). */
  private at(s: Setting, kind: IssueKind, reason: string): void {
    if (!s.inherited) this.issue(s.section, s.entry, kind, reason);
  }

  /** An issue said once per import (a difference every notifier of a type shares). */
  private once(s: Setting, kind: IssueKind, reason: string): void {
    if (this.said.has(reason)) return;
    this.said.add(reason);
    this.issue(s.section, s.entry, kind, reason);
  }
  private readonly said = new Set<string>();

  cooldown(s: Setting | undefined): number | undefined {
    if (!s) return undefined;
    const seconds = durationSeconds(s.value);
    if (seconds === undefined) {
      this.at(s, 'invalid', `"${s.value}" is not a Go duration (e.g. 5m); no cooldown is set`);
      return undefined;
    }
    const kept = Math.min(seconds, 86400);
    this.at(
      s,
      'different-meaning',
      `spec.cooldownSeconds: ${kept} on the slack, email and webhook notifiers: per job, further messages of the same kind within it are counted and summarized in the next one (the fork held back repeats of a failure only)${kept !== seconds ? '; at most 86400' : ''}`,
    );
    return kept;
  }

  private bool(s: Setting | undefined): boolean | undefined {
    if (!s) return undefined;
    const b = parseBool(s.value);
    if (b === undefined)
      this.at(s, 'invalid', `"${s.value}" is not a boolean (true or false); taken as false`);
    return b;
  }

  private uniqueName(base: string): string {
    let name = kubeName(base);
    for (let i = 2; this.names.has(name); i++) name = kubeName(base, String(i));
    this.names.add(name);
    return name;
  }

  /** Puts a secret value into a Secret; an issue says where, when the value was left out. */
  private secret(secretName: string, key: string, s: Setting, hint = ''): string {
    const name = this.ctx.secrets.put(secretName, key, s.value);
    if (this.ctx.secrets.withholding && !s.inherited)
      this.at(
        s,
        'needs-secret',
        `kept in Secret ${name}, key ${key}${hint}; value left out (fill it in, or import again with --include-secrets)`,
      );
    return name;
  }

  private events(s: Setting | undefined): NotifyEvent[] {
    return this.bool(s) === true ? ['Failed'] : EVERY_EXECUTION;
  }

  middleware(mw: Middleware, settings: Settings, job: NotifierJob | undefined, cooldown?: number): void {
    const all = [...settings.values()];
    // Where "this middleware cannot work" is said: the first setting written in this section.
    const anchor = all.find((x) => !x.inherited) ?? all[0]!;
    const scope = job?.section ?? anchor.section;
    const name = this.uniqueName(job ? `${job.name}-${mw}` : `ofelia-${mw}`);
    const get = (key: string) => settings.get(C(key));
    let spec: Record<string, unknown> | undefined;
    if (mw === 'slack') spec = this.slack(name, get, anchor, scope, cooldown);
    else if (mw === 'mail') spec = this.mail(name, get, anchor, scope, cooldown);
    else spec = this.save(get, anchor);
    if (!spec) return;
    if (job) spec.jobSelector = { matchLabels: { [ownNotifierLabel(mw)]: name } };
    else
      spec.jobSelector = {
        matchExpressions: [
          { key: IMPORT_LABEL, operator: 'Exists' },
          { key: ownNotifierLabel(mw), operator: 'DoesNotExist' },
        ],
      };
    if (this.add(name, spec, scope) && job) job.labels[ownNotifierLabel(mw)] = name;
  }

  private slack(
    name: string,
    get: (k: string) => Setting | undefined,
    anchor: Setting,
    scope: OfeliaSection,
    cooldown?: number,
  ): Record<string, unknown> | undefined {
    const url = get('slack-webhook');
    if (!url) {
      this.issue(
        anchor.section,
        anchor.entry,
        'invalid',
        'slack middleware without slack-webhook (here or in [global]): Ofelia has nowhere to send; no JobNotifier is written',
      );
      return undefined;
    }
    const secretName =
      url.inherited && this.globalSecret.has('slack')
        ? this.globalSecret.get('slack')!
        : this.secret(name, 'url', url);
    if (!url.inherited && !this.isJobScope(scope)) this.globalSecret.set('slack', secretName);
    const spec: Record<string, unknown> = {
      type: 'slack',
      addressFrom: { secretKeyRef: { name: secretName, key: 'url' } },
      events: this.events(get('slack-only-on-error')),
    };
    if (cooldown !== undefined) spec.cooldownSeconds = cooldown;
    return spec;
  }

  private isJobScope(s: OfeliaSection): boolean {
    return s.kind !== 'global';
  }

  private mail(
    name: string,
    get: (k: string) => Setting | undefined,
    anchor: Setting,
    scope: OfeliaSection,
    cooldown?: number,
  ): Record<string, unknown> | undefined {
    const host = get('smtp-host');
    const to = get('email-to');
    const recipients = (to?.value ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    if (!host || recipients.length === 0) {
      this.issue(
        anchor.section,
        anchor.entry,
        'invalid',
        `mail middleware without ${!host ? 'smtp-host' : 'email-to'} (here or in [global]): Ofelia cannot send; no JobNotifier is written`,
      );
      return undefined;
    }
    const email: Record<string, unknown> = { host: host.value.trim(), to: recipients };
    const portSetting = get('smtp-port');
    let port = 587;
    if (portSetting) {
      const n = /^\d+$/.test(portSetting.value.trim()) ? Number(portSetting.value.trim()) : Number.NaN;
      if (n >= 1 && n <= 65535) port = n;
      else this.at(portSetting, 'invalid', `"${portSetting.value}" is not a port (1..65535); 587 is used`);
    } else this.at(host, 'different-meaning', 'smtp-port is not set: spec.email.port is 587');
    email.port = port;
    email.tls = this.tlsPolicy(get('smtp-tls-policy'), port);
    const skip = get('smtp-tls-skip-verify');
    if (skip && this.bool(skip) === true)
      this.at(
        skip,
        'unsupported',
        "the SMTP server's certificate is always verified: give the server a certificate the operator trusts (NODE_EXTRA_CA_CERTS), or use smtp-tls-policy none on a trusted network",
      );
    email.from = this.from(get('email-from'), host);
    const subject = get('email-subject');
    if (subject) {
      const translated = goSubject(subject.value);
      if (translated.ok) email.subject = translated.subject;
      else
        this.at(
          subject,
          'different-meaning',
          `the Go template uses ${translated.unknown}, which has no equivalent: the default subject is used ({{event}}, {{namespace}}, {{job}}, {{run}}, {{trigger}}, {{result}}, {{reason}}, {{exitCode}} are available)`,
        );
    }
    const user = get('smtp-user');
    const password = get('smtp-password');
    if ((user && user.value !== '') || (password && password.value !== '')) {
      const inheritedBoth = (!user || user.inherited) && (!password || password.inherited);
      let secretName: string;
      if (inheritedBoth && this.globalSecret.has('mail')) secretName = this.globalSecret.get('mail')!;
      else {
        secretName = this.ctx.secrets.put(name, 'username', user?.value ?? '', false);
        if (password) this.secret(name, 'password', password);
        else this.ctx.secrets.put(name, 'password', '', false);
        if (!this.isJobScope(scope)) this.globalSecret.set('mail', secretName);
      }
      email.credentialsFrom = { name: secretName };
    }
    this.once(
      host,
      'different-meaning',
      `the message carries the last ${IMPORTED_OUTPUT_TAIL_BYTES / 1024} KiB of the output in its text; Ofelia attached the whole stdout, stderr and a JSON file`,
    );
    const spec: Record<string, unknown> = {
      type: 'email',
      email,
      events: this.events(get('mail-only-on-error')),
      outputTailBytes: IMPORTED_OUTPUT_TAIL_BYTES,
    };
    if (cooldown !== undefined) spec.cooldownSeconds = cooldown;
    return spec;
  }

  /** The fork's smtp-tls-policy; else its default (mandatory) or upstream's gomail (465 implicit TLS, else STARTTLS when offered). */
  private tlsPolicy(s: Setting | undefined, port: number): string {
    if (s) {
      const v = s.value.trim().toLowerCase();
      if (v === 'mandatory' || v === 'opportunistic' || v === 'none') return v;
      if (v !== '')
        this.at(
          s,
          'invalid',
          `"${s.value}" is not mandatory, opportunistic or none; mandatory is used (as the fork does)`,
        );
      return 'mandatory';
    }
    if (this.ctx.dialect === 'netresearch') return 'mandatory';
    return port === 465 ? 'mandatory' : 'opportunistic';
  }

  private from(s: Setting | undefined, host: Setting): string {
    if (!s || s.value.trim() === '') {
      this.at(
        host,
        'different-meaning',
        'email-from is not set: spec.email.from is ofelia@localhost; set a sender',
      );
      return 'ofelia@localhost';
    }
    if (!s.value.includes('%')) return s.value.trim();
    this.at(
      s,
      'different-meaning',
      "%s stood for Ofelia's host name, which the operator cannot know: it is written as localhost; set the sender",
    );
    return s.value.trim().replace(/%s/g, 'localhost');
  }

  private save(
    get: (k: string) => Setting | undefined,
    anchor: Setting,
  ): Record<string, unknown> | undefined {
    const folder = get('save-folder');
    if (!folder) {
      this.issue(
        anchor.section,
        anchor.entry,
        'invalid',
        'save middleware without save-folder (here or in [global]): Ofelia has nowhere to write; no JobNotifier is written',
      );
      return undefined;
    }
    const path = folder.value.trim().replace(/(.)\/+$/, '$1');
    if (!path.startsWith('/') || path.split('/').includes('..')) {
      // A job's save settings that take the folder from [global] are said to be left out at the job.
      const where = folder.inherited ? anchor : folder;
      this.issue(
        where.section,
        where.entry,
        'invalid',
        `${folder.inherited ? 'save-folder from [global] ' : ''}"${folder.value}" is not an absolute path without "..": the operator writes only to absolute folders it allows; no JobNotifier is written`,
      );
      return undefined;
    }
    if (!folder.inherited)
      this.at(
        folder,
        'different-meaning',
        `written only when the operator runs with --notify-save-dir ${path} (or a folder above it); files are YYYYMMDD_HHMMSS_<namespace>_<job>.stdout.log, .stderr.log and .json, each log with at most the last ${IMPORTED_OUTPUT_TAIL_BYTES / 1024} KiB of its stream`,
      );
    const save: Record<string, unknown> = { folder: path };
    const mode = get('save-mode');
    if (mode) {
      if (/^0?[0-7]{3}$/.test(mode.value.trim())) save.fileMode = mode.value.trim();
      else this.at(mode, 'invalid', `"${mode.value}" is not an octal file mode (e.g. 0600); 0640 is used`);
    }
    return {
      type: 'save',
      save,
      events: this.events(get('save-only-on-error')),
      outputTailBytes: IMPORTED_OUTPUT_TAIL_BYTES,
    };
  }

  /** Validates and keeps a notifier; false (with issues) when it is refused. */
  add(name: string, spec: Record<string, unknown>, scope: OfeliaSection): boolean {
    const notifier: KubeObject = {
      apiVersion: API_VERSION,
      kind: NOTIFIER_KIND,
      metadata: {
        name,
        namespace: this.ctx.namespace,
        labels: { [IMPORT_LABEL]: this.ctx.origin },
        annotations: {
          [OFELIA_SOURCE_ANNOTATION]:
            scope.line !== undefined ? `${scope.source}:${scope.line}` : scope.source,
        },
      },
      spec,
    };
    const checked = validateJobNotifier(notifier);
    if (!checked.ok) {
      for (const c of checked.causes)
        this.issue(
          scope,
          undefined,
          'invalid',
          `JobNotifier ${name} is not valid: ${c.field}: ${c.message}; it is left out`,
        );
      return false;
    }
    this.notifiers.push(notifier);
    return true;
  }

  // ---- the fork's webhooks ----------------------------------------------------------------------

  webhooks(
    sections: readonly OfeliaSection[],
    jobs: readonly NotifierJob[],
    global: Settings,
    cooldown: number | undefined,
  ): void {
    const defined = new Map<string, OfeliaSection>();
    for (const s of sections) if (s.kind === 'webhook' && s.name) defined.set(s.name, s);
    const everyJob = new Set<string>();
    // `webhooks` in [global] is the fork's older name of webhook-webhooks (still read from labels).
    const all = global.get(C('webhook-webhooks')) ?? global.get(C('webhooks'));
    for (const ref of all ? webhookNames(all.value) : []) {
      if (defined.has(ref)) everyJob.add(ref);
      else this.at(all!, 'invalid', `no [webhook "${ref}"] is defined; this name is left out`);
    }
    const users = new Map<string, NotifierJob[]>();
    for (const job of jobs) {
      const e = job.entries.get(C('webhooks'));
      if (!e) continue;
      for (const ref of e.values.flatMap(webhookNames)) {
        if (!defined.has(ref)) {
          this.issue(job.section, e, 'invalid', `no [webhook "${ref}"] is defined; this name is left out`);
          continue;
        }
        users.set(ref, [...(users.get(ref) ?? []), job]);
      }
    }
    const defaultPreset = global.get(C('webhook-default-preset'));
    for (const [ref, section] of defined) {
      const selected = users.get(ref) ?? [];
      if (!everyJob.has(ref) && selected.length === 0) {
        this.issue(
          section,
          undefined,
          'unsupported',
          'no job and no [global] webhook-webhooks names this webhook, so Ofelia never sends to it; no JobNotifier is written',
        );
        continue;
      }
      const name = this.uniqueName(`webhook-${ref}`);
      const spec = this.webhook(name, section, defaultPreset, cooldown);
      if (!spec) continue;
      spec.jobSelector = everyJob.has(ref)
        ? { matchExpressions: [{ key: IMPORT_LABEL, operator: 'Exists' }] }
        : { matchLabels: { [webhookLabel(ref)]: 'true' } };
      if (this.add(name, spec, section) && !everyJob.has(ref))
        for (const job of selected) job.labels[webhookLabel(ref)] = 'true';
    }
  }

  private webhook(
    name: string,
    section: OfeliaSection,
    defaultPreset: Setting | undefined,
    cooldown: number | undefined,
  ): Record<string, unknown> | undefined {
    const byKey: Settings = new Map();
    for (const e of section.entries) byKey.set(C(e.key), setting(e, section));
    const get = (k: string) => byKey.get(C(k));
    const presetSetting = get('preset');
    const presetName = (presetSetting?.value ?? defaultPreset?.value ?? 'json-post').trim().toLowerCase();
    if (presetName === '') {
      this.issue(
        section,
        undefined,
        'invalid',
        'no preset, and [global] webhook-default-preset is empty; no JobNotifier is written',
      );
      return undefined;
    }
    const preset = PRESETS[presetName];
    if (!preset) {
      this.issue(
        section,
        presetSetting?.entry,
        'unsupported',
        `preset "${presetName}" is not a built-in preset (remote and custom presets do not exist here); no JobNotifier is written`,
      );
      return undefined;
    }
    const url = get('url');
    const id = get('id');
    const secret = get('secret');
    const spec: Record<string, unknown> = { type: preset.type };
    // The address: `url` overrides the preset's scheme entirely, as the fork's BuildURL does.
    let address: string | undefined;
    if (url && url.value !== '') address = preset.type === 'gotify' ? gotifyMessages(url.value) : url.value;
    else if (preset.scheme) {
      const needs = [
        preset.scheme.includes('{id}') ? id : true,
        preset.scheme.includes('{secret}') ? secret : true,
      ];
      if (needs.some((n) => !n || (n !== true && n.value === ''))) {
        this.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs ${preset.scheme.includes('{secret}') ? 'id and secret' : 'id'} (or url); no JobNotifier is written`,
        );
        return undefined;
      }
      address = preset.scheme.replace('{id}', id?.value ?? '').replace('{secret}', secret?.value ?? '');
    } else if (preset.needsUrl) {
      this.issue(section, undefined, 'invalid', `preset ${presetName} needs url; no JobNotifier is written`);
      return undefined;
    }
    const secretName = kubeName(name);
    const used = new Set<Setting | undefined>();
    if (address !== undefined) {
      const byUrl = url !== undefined && url.value !== '';
      const parts = byUrl
        ? [url]
        : [id, secret].filter((p) => p && preset.scheme?.includes(p === id ? '{id}' : '{secret}'));
      const hint = byUrl
        ? ''
        : ` (the preset's address ${preset.scheme!.replace('{id}', 'ID').replace('{secret}', 'SECRET')})`;
      for (const p of parts) {
        used.add(p);
        this.secret(secretName, 'url', { ...p!, value: address }, hint);
      }
      spec.addressFrom = { secretKeyRef: { name: secretName, key: 'url' } };
    }
    for (const [key, source] of Object.entries(preset.credentials ?? {})) {
      const s = source === 'id' ? id : secret;
      if (!s || s.value === '') {
        this.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs ${source}; no JobNotifier is written`,
        );
        return undefined;
      }
      used.add(s);
      this.secret(secretName, key, s);
      spec.credentialsFrom = { name: secretName };
    }
    if (preset.bearer) {
      if (!secret || secret.value === '') {
        this.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs secret (the access token); no JobNotifier is written`,
        );
        return undefined;
      }
      used.add(secret);
      this.secret(secretName, 'authorization', { ...secret, value: `Bearer ${secret.value}` });
      spec.headers = [
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: secretName, key: 'authorization' } } },
      ];
    }
    for (const unused of [url, id, secret])
      if (unused && unused.value !== '' && !used.has(unused))
        this.at(
          unused,
          'unsupported',
          `not used by preset ${presetName}${url?.value ? ' when url is given' : ''} (the fork ignores it too); left out`,
        );
    if (preset.note) this.issue(section, presetSetting?.entry, 'different-meaning', preset.note);
    // Defaults of the fork's WebhookConfig: trigger error, timeout 10s, 3 retries 5s apart.
    spec.events = this.trigger(get('trigger'));
    spec.timeoutSeconds = this.seconds(get('timeout'), 10, 1, 300);
    const retries = get('retry-count');
    let limit = 3;
    if (retries) {
      const n = /^\d+$/.test(retries.value.trim()) ? Number(retries.value.trim()) : Number.NaN;
      if (Number.isSafeInteger(n)) {
        limit = Math.min(n, 20);
        if (n > 20) this.at(retries, 'different-meaning', 'at most 20 retries');
      } else this.at(retries, 'invalid', `"${retries.value}" is not a whole number; 3 is used`);
    }
    const delay = this.seconds(get('retry-delay'), 5, 1, 3600);
    spec.retry = { limit, initialBackoffSeconds: delay, maxBackoffSeconds: delay };
    if (cooldown !== undefined) spec.cooldownSeconds = cooldown;
    return spec;
  }

  private trigger(s: Setting | undefined): NotifyEvent[] {
    const v = (s?.value ?? 'error').trim().toLowerCase();
    switch (v) {
      case 'always':
        return EVERY_EXECUTION;
      case 'success':
        return ['Succeeded'];
      case 'skipped':
        return ['Skipped'];
      case 'error':
      case '':
        return ['Failed'];
      default:
        this.at(
          s!,
          'invalid',
          `"${s!.value}" is not always, error, success or skipped; error is used (as the fork does)`,
        );
        return ['Failed'];
    }
  }

  /** A Go duration in whole seconds within [min, max] (a value outside is clamped and reported). */
  private seconds(s: Setting | undefined, fallback: number, min: number, max: number): number {
    if (!s) return fallback;
    const seconds = durationSeconds(s.value);
    if (seconds === undefined) {
      this.at(s, 'invalid', `"${s.value}" is not a Go duration (e.g. 10s); ${fallback}s is used`);
      return fallback;
    }
    const kept = Math.min(max, Math.max(min, seconds));
    if (kept !== seconds) this.at(s, 'different-meaning', `between ${min}s and ${max}s: ${kept}s is used`);
    return kept;
  }
}

/** The fork's presets: the JobNotifier type, the address scheme, where credentials come from. */
interface Preset {
  type: string;
  /** The preset's url_scheme when it is built from id/secret (a url overrides it). */
  scheme?: string;
  /** The preset has no scheme: url is required. */
  needsUrl?: boolean;
  /** credentialsFrom keys and the webhook key each comes from. */
  credentials?: Record<string, 'id' | 'secret'>;
  /** An `Authorization: Bearer <secret>` header (ntfy-token). */
  bearer?: boolean;
  /** How the message differs from the preset's. */
  note?: string;
}

const PRESETS: Readonly<Record<string, Preset>> = {
  slack: { type: 'slack', scheme: 'https://hooks.slack.com/services/{id}/{secret}' },
  discord: { type: 'discord', scheme: 'https://discord.com/api/webhooks/{id}/{secret}' },
  teams: { type: 'teams', needsUrl: true },
  ntfy: { type: 'ntfy', scheme: 'https://ntfy.sh/{id}' },
  'ntfy-token': { type: 'ntfy', scheme: 'https://ntfy.sh/{id}', bearer: true },
  gotify: { type: 'gotify', needsUrl: true, credentials: { token: 'secret' } },
  pushover: { type: 'pushover', credentials: { token: 'secret', user: 'id' } },
  pagerduty: { type: 'pagerduty', credentials: { routingKey: 'id' } },
  healthchecks: {
    type: 'healthchecks',
    scheme: 'https://hc-ping.com/{id}',
    note: 'type healthchecks pings <url>/start when a run starts (with event Started), <url> on success and <url>/fail on failure; the fork posted to the one URL',
  },
  'healthchecks-selfhosted': {
    type: 'healthchecks',
    needsUrl: true,
    note: 'type healthchecks pings <url>/start when a run starts (with event Started), <url> on success and <url>/fail on failure; the fork posted to the one URL',
  },
  'json-post': {
    type: 'webhook',
    needsUrl: true,
    note: "type webhook posts the operator's JSON message (docs/notifications.md), not the fork's json-post body",
  },
  matrix: {
    type: 'webhook',
    needsUrl: true,
    note: "the fork's matrix preset posts to a hookshot webhook: here type webhook posts the operator's JSON message to it (or use type matrix with a room URL and an access token)",
  },
};

/** The fork's webhook lists: comma separated, trimmed. */
function webhookNames(text: string): string[] {
  return text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

/** The gotify preset's scheme is `{url}/message` (url = the server). */
function gotifyMessages(url: string): string {
  return /\/message\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/message`;
}

/** The fork's Go-template mail subject in the JobNotifier's placeholders, when every field has one. */
export function goSubject(text: string): { ok: true; subject: string } | { ok: false; unknown: string } {
  const map: Array<[RegExp, string]> = [
    [/\{\{-?\s*\.Job\.(?:Name|GetName)\s*-?\}\}/g, '{{job}}'],
    [/\{\{-?\s*\.Execution\.ID\s*-?\}\}/g, '{{run}}'],
    [/\{\{-?\s*(?:\.Execution\.Status|status \.Execution)\s*-?\}\}/g, '{{result}}'],
    [/\{\{-?\s*\.Execution\.ExitCode\s*-?\}\}/g, '{{exitCode}}'],
  ];
  let out = text;
  for (const [re, to] of map) out = out.replace(re, to);
  const unknown = out.match(/\{\{(?!(?:job|run|result|exitCode)\}\})[^}]*\}\}/);
  if (unknown) return { ok: false, unknown: unknown[0] };
  return { ok: true, subject: out };
}
