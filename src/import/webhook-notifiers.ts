/**
 * The netresearch fork's [webhook "NAME"] sections to JobNotifiers: one per webhook that a job
 * (`webhooks = a,b`) or [global] `webhook-webhooks` names, of its preset's type, the address and
 * tokens in a Secret, `trigger` as events, the fork's delivery defaults (10 s, 3 retries 5 s apart).
 */
import type { NotifyEvent } from '../api/notifier-schema.ts';
import { canonicalKey as C } from './keys.ts';
import type { NotifierJob } from './middleware-notifiers.ts';
import { kubeName } from './names.ts';
import {
  EVERY_EXECUTION,
  everyImportedJob,
  type NotifierBook,
  type Setting,
  type Settings,
  setting,
} from './notifier-book.ts';
import { webhookLabel } from './object-labels.ts';
import type { OfeliaSection } from './sections.ts';

export class WebhookNotifiers {
  constructor(private readonly book: NotifierBook) {}

  build(
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
      else this.book.at(all!, 'invalid', `no [webhook "${ref}"] is defined; this name is left out`);
    }
    const users = new Map<string, NotifierJob[]>();
    for (const job of jobs) {
      const e = job.entries.get(C('webhooks'));
      if (!e) continue;
      for (const ref of e.values.flatMap(webhookNames)) {
        if (!defined.has(ref)) {
          this.book.issue(
            job.section,
            e,
            'invalid',
            `no [webhook "${ref}"] is defined; this name is left out`,
          );
          continue;
        }
        users.set(ref, [...(users.get(ref) ?? []), job]);
      }
    }
    const defaultPreset = global.get(C('webhook-default-preset'));
    for (const [ref, section] of defined) {
      const selected = users.get(ref) ?? [];
      if (!everyJob.has(ref) && selected.length === 0) {
        this.book.issue(
          section,
          undefined,
          'unsupported',
          'no job and no [global] webhook-webhooks names this webhook, so Ofelia never sends to it; no JobNotifier is written',
        );
        continue;
      }
      const name = this.book.uniqueName(`webhook-${ref}${this.book.ctx.sharedNameSuffix}`);
      const spec = this.webhook(name, section, defaultPreset, cooldown);
      if (!spec) continue;
      spec.jobSelector = everyJob.has(ref)
        ? everyImportedJob(this.book.ctx.scopeLabels)
        : { matchLabels: { ...this.book.ctx.scopeLabels, [webhookLabel(ref)]: 'true' } };
      if (this.book.add(name, spec, section) && !everyJob.has(ref))
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
      this.book.issue(
        section,
        undefined,
        'invalid',
        'no preset, and [global] webhook-default-preset is empty; no JobNotifier is written',
      );
      return undefined;
    }
    const preset = PRESETS[presetName];
    if (!preset) {
      this.book.issue(
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
        this.book.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs ${preset.scheme.includes('{secret}') ? 'id and secret' : 'id'} (or url); no JobNotifier is written`,
        );
        return undefined;
      }
      address = preset.scheme.replace('{id}', id?.value ?? '').replace('{secret}', secret?.value ?? '');
    } else if (preset.needsUrl) {
      this.book.issue(
        section,
        undefined,
        'invalid',
        `preset ${presetName} needs url; no JobNotifier is written`,
      );
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
        this.book.secret(secretName, 'url', { ...p!, value: address }, hint);
      }
      spec.addressFrom = { secretKeyRef: { name: secretName, key: 'url' } };
    }
    for (const [key, source] of Object.entries(preset.credentials ?? {})) {
      const s = source === 'id' ? id : secret;
      if (!s || s.value === '') {
        this.book.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs ${source}; no JobNotifier is written`,
        );
        return undefined;
      }
      used.add(s);
      this.book.secret(secretName, key, s);
      spec.credentialsFrom = { name: secretName };
    }
    if (preset.bearer) {
      if (!secret || secret.value === '') {
        this.book.issue(
          section,
          undefined,
          'invalid',
          `preset ${presetName} needs secret (the access token); no JobNotifier is written`,
        );
        return undefined;
      }
      used.add(secret);
      this.book.secret(secretName, 'authorization', { ...secret, value: `Bearer ${secret.value}` });
      spec.headers = [
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: secretName, key: 'authorization' } } },
      ];
    }
    for (const unused of [url, id, secret])
      if (unused && unused.value !== '' && !used.has(unused))
        this.book.at(
          unused,
          'unsupported',
          `not used by preset ${presetName}${url?.value ? ' when url is given' : ''} (the fork ignores it too); left out`,
        );
    if (preset.note) this.book.issue(section, presetSetting?.entry, 'different-meaning', preset.note);
    // Defaults of the fork's WebhookConfig: trigger error, timeout 10s, 3 retries 5s apart.
    spec.events = this.trigger(get('trigger'));
    spec.timeoutSeconds = this.book.seconds(get('timeout'), 10, 1, 300);
    const retries = get('retry-count');
    let limit = 3;
    if (retries) {
      const n = /^\d+$/.test(retries.value.trim()) ? Number(retries.value.trim()) : Number.NaN;
      if (Number.isSafeInteger(n)) {
        limit = Math.min(n, 20);
        if (n > 20) this.book.at(retries, 'different-meaning', 'at most 20 retries');
      } else this.book.at(retries, 'invalid', `"${retries.value}" is not a whole number; 3 is used`);
    }
    const delay = this.book.seconds(get('retry-delay'), 5, 1, 3600);
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
        this.book.at(
          s!,
          'invalid',
          `"${s!.value}" is not always, error, success or skipped; error is used (as the fork does)`,
        );
        return ['Failed'];
    }
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
