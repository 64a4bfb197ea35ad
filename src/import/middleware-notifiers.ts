/**
 * Ofelia's slack, mail and save middlewares (both dialects) to JobNotifiers, one per middleware
 * and scope ([global], or a job with settings of its own); see notifiers.ts for the scoping.
 */
import type { NotifyEvent } from '../api/notifier-schema.ts';
import { canonicalKey as C, type Middleware } from './keys.ts';
import {
  EVERY_EXECUTION,
  everyImportedJob,
  IMPORTED_OUTPUT_TAIL_BYTES,
  type NotifierBook,
  type Setting,
  type Settings,
} from './notifier-book.ts';
import { ownNotifierLabel } from './object-labels.ts';
import type { OfeliaEntry, OfeliaSection } from './sections.ts';

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

export class MiddlewareNotifiers {
  /** The Secret of a [global] middleware, reused by jobs that inherit its secret values. */
  private readonly globalSecret = new Map<Middleware, string>();

  constructor(private readonly book: NotifierBook) {}

  build(mw: Middleware, settings: Settings, job: NotifierJob | undefined, cooldown?: number): void {
    const all = [...settings.values()];
    // Where "this middleware cannot work" is said: the first setting written in this section.
    const anchor = all.find((x) => !x.inherited) ?? all[0]!;
    const scope = job?.section ?? anchor.section;
    const name = this.book.uniqueName(
      job ? `${job.name}-${mw}` : `ofelia-${mw}${this.book.ctx.sharedNameSuffix}`,
    );
    const get = (key: string) => settings.get(C(key));
    let spec: Record<string, unknown> | undefined;
    if (mw === 'slack') spec = this.slack(name, get, anchor, scope, cooldown);
    else if (mw === 'mail') spec = this.mail(name, get, anchor, scope, cooldown);
    else spec = this.save(get, anchor);
    if (!spec) return;
    if (job) spec.jobSelector = { matchLabels: { [ownNotifierLabel(mw)]: name } };
    else
      spec.jobSelector = everyImportedJob(this.book.ctx.scopeLabels, {
        key: ownNotifierLabel(mw),
        operator: 'DoesNotExist',
      });
    if (this.book.add(name, spec, scope) && job) job.labels[ownNotifierLabel(mw)] = name;
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
      this.book.issue(
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
        : this.book.secret(name, 'url', url);
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
      this.book.issue(
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
      else
        this.book.at(portSetting, 'invalid', `"${portSetting.value}" is not a port (1..65535); 587 is used`);
    } else this.book.at(host, 'different-meaning', 'smtp-port is not set: spec.email.port is 587');
    email.port = port;
    email.tls = this.tlsPolicy(get('smtp-tls-policy'), port);
    const skip = get('smtp-tls-skip-verify');
    if (skip && this.book.bool(skip) === true)
      this.book.at(
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
        this.book.at(
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
        secretName = this.book.ctx.secrets.put(name, 'username', user?.value ?? '', false);
        if (password) this.book.secret(name, 'password', password);
        else this.book.ctx.secrets.put(name, 'password', '', false);
        if (!this.isJobScope(scope)) this.globalSecret.set('mail', secretName);
      }
      email.credentialsFrom = { name: secretName };
    }
    this.book.once(
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
        this.book.at(
          s,
          'invalid',
          `"${s.value}" is not mandatory, opportunistic or none; mandatory is used (as the fork does)`,
        );
      return 'mandatory';
    }
    if (this.book.ctx.dialect === 'netresearch') return 'mandatory';
    return port === 465 ? 'mandatory' : 'opportunistic';
  }

  private from(s: Setting | undefined, host: Setting): string {
    if (!s || s.value.trim() === '') {
      this.book.at(
        host,
        'different-meaning',
        'email-from is not set: spec.email.from is ofelia@localhost; set a sender',
      );
      return 'ofelia@localhost';
    }
    if (!s.value.includes('%')) return s.value.trim();
    this.book.at(
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
      this.book.issue(
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
      this.book.issue(
        where.section,
        where.entry,
        'invalid',
        `${folder.inherited ? 'save-folder from [global] ' : ''}"${folder.value}" is not an absolute path without "..": the operator writes only to absolute folders it allows; no JobNotifier is written`,
      );
      return undefined;
    }
    if (!folder.inherited)
      this.book.at(
        folder,
        'different-meaning',
        `written only when the operator runs with --notify-save-dir ${path} (or a folder above it); files are YYYYMMDD_HHMMSS_<namespace>_<job>.stdout.log, .stderr.log and .json, each log with at most the last ${IMPORTED_OUTPUT_TAIL_BYTES / 1024} KiB of its stream`,
      );
    const save: Record<string, unknown> = { folder: path };
    const mode = get('save-mode');
    if (mode) {
      if (/^0?[0-7]{3}$/.test(mode.value.trim())) save.fileMode = mode.value.trim();
      else
        this.book.at(mode, 'invalid', `"${mode.value}" is not an octal file mode (e.g. 0600); 0640 is used`);
    }
    return {
      type: 'save',
      save,
      events: this.events(get('save-only-on-error')),
      outputTailBytes: IMPORTED_OUTPUT_TAIL_BYTES,
    };
  }

  private events(s: Setting | undefined): NotifyEvent[] {
    return this.book.bool(s) === true ? ['Failed'] : EVERY_EXECUTION;
  }
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
