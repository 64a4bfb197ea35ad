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
import {
  canonicalKey as C,
  type Dialect,
  GLOBAL_KEYS,
  lookup,
  MIDDLEWARE_KEYS,
  type Middleware,
} from './keys.ts';
import { MiddlewareNotifiers, type NotifierJob } from './middleware-notifiers.ts';
import { NotifierBook, type NotifierContext, type Setting, type Settings, setting } from './notifier-book.ts';
import type { KubeObject } from './secret-book.ts';
import type { OfeliaSection } from './sections.ts';
import { parseBool } from './values.ts';
import { WebhookNotifiers } from './webhook-notifiers.ts';

export type { NotifierJob } from './middleware-notifiers.ts';
export type { NotifierContext } from './notifier-book.ts';

export function translateNotifications(
  sections: readonly OfeliaSection[],
  jobs: readonly NotifierJob[],
  ctx: NotifierContext,
): KubeObject[] {
  const book = new NotifierBook(ctx);
  const middlewares = new MiddlewareNotifiers(book);
  const global: Settings = new Map();
  for (const s of sections.filter((x) => x.kind === 'global'))
    for (const e of s.entries) {
      const middleware = lookup(MIDDLEWARE_KEYS, e.key);
      const rule = middleware ?? lookup(GLOBAL_KEYS, e.key);
      const value = setting(e, s);
      if (!rule || rule === 'translated' || !('becomes' in rule)) continue;
      // An empty webhook-default-preset means something in the fork (no fallback): kept.
      if (middleware && zeroValue(value, ctx.dialect)) continue;
      global.set(C(e.key), value);
    }
  const cooldown = book.cooldown(global.get(C('notification-cooldown')));
  for (const mw of ['slack', 'mail', 'save'] as const) {
    const own = middlewareSettings(global, mw);
    if (own.size) middlewares.build(mw, own, undefined, cooldown);
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
        book.issue(
          job.section,
          undefined,
          'different-meaning',
          `the job's ${mw} middleware takes ${inherited.map((g) => g.entry.key).join(', ')} from [global] (as the netresearch fork does); upstream Ofelia used the job's own settings only`,
        );
      }
      middlewares.build(mw, settings, job, cooldown);
    }
  }
  new WebhookNotifiers(book).build(sections, jobs, global, cooldown);
  return book.notifiers;
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
 * Upstream builds a middleware (global or a job's) only when its settings are not all zero values
 * (`IsEmpty`): an empty value or a false boolean counts as not given. The fork's booleans are
 * pointers: an explicit false is a setting there.
 */
function zeroValue(s: Setting, dialect: Dialect): boolean {
  return s.value.trim() === '' || (dialect === 'upstream' && parseBool(s.value) === false);
}

/** A job's own settings of one middleware (see zeroValue). */
function jobMiddlewareSettings(job: NotifierJob, mw: Middleware, dialect: Dialect): Settings {
  const out: Settings = new Map();
  for (const [k, e] of job.entries) {
    const rule = lookup(MIDDLEWARE_KEYS, e.key);
    if (!rule || !('middleware' in rule) || rule.middleware !== mw) continue;
    const s = setting(e, job.section);
    if (!zeroValue(s, dialect)) out.set(k, s);
  }
  return out;
}
