/**
 * compileSchedule: a job's `schedule` + `timeZone` + hash key in, a small `CompiledSchedule` (or a
 * reason naming the field at fault) out. Pure: no I/O, no clock; all times are epoch milliseconds.
 *
 * Accepted syntax (docs/scheduling.md has the full reference):
 * - 5-field cron `min hour dom month dow`, 6-field cron with leading seconds;
 * - macros @yearly @annually @monthly @weekly @daily @midnight @hourly;
 * - `@every <Go duration>` (at least 1s), phase anchored at the Unix epoch plus a per-job hash
 *   offset, so restarts do not move it and many `@every 1m` jobs do not fire on the same second;
 * - `@manual` (never fires by schedule; @manually is accepted as an alias);
 * - Jenkins-style H in any field: H, H/n, H(a-b), H(a-b)/n, chosen by a stable hash of the key.
 *
 * A compiled cron schedule holds four references and no croner object: evaluators are shared per
 * (normalized pattern, zone) through an `EvaluatorCache` (evaluators.ts).
 */

import { normalizeFields } from './cron-fields.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { type EvaluatorCache, sharedEvaluators } from './evaluators.ts';
import { stableHash } from './hash.ts';
import { isKnownTimeZone } from './time-zone.ts';

export interface CompiledSchedule {
  readonly kind: 'cron' | 'every' | 'manual';
  /** As written. */
  readonly expression: string;
  /** After H substitution / macro expansion (what croner sees). */
  readonly normalized: string;
  readonly timeZone: string;
  /** First due time strictly after `afterMs`, or undefined (manual, or never fires again). */
  next(afterMs: number): number | undefined;
}

export type CompileResult =
  | { ok: true; schedule: CompiledSchedule }
  | { ok: false; field: 'schedule' | 'timeZone'; reason: string };

export interface CompileOptions {
  /** IANA zone the cron fields are read in. @every and @manual ignore it. */
  readonly timeZone: string;
  /** Stable identity of the job (namespace/name): seeds H fields and the @every phase. */
  readonly hashKey: string;
  /** Evaluator cache to share; defaults to the process-wide one. Tests pass their own. */
  readonly evaluators?: EvaluatorCache;
}

/** Shortest accepted @every period: the wheel could do less, but nothing real needs it. */
export const MIN_EVERY_MS = 1000;

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * Any pattern without a year field repeats with the 28-year weekday/leap cycle (within a
 * century), and the rarest real schedule (29 February on a dom-only pattern) fires at least once
 * in 8 years. A fixed reference instant keeps compilation independent of the clock.
 */
const NEVER_FIRES_FROM_MS = Date.UTC(2000, 0, 1);
const NEVER_FIRES_WINDOW_MS = 8 * 366 * 86_400_000;

export function compileSchedule(expr: string, opts: CompileOptions): CompileResult {
  const text = expr.trim();
  if (text === '') return fail('schedule', 'schedule is empty');
  if (/^(CRON_)?TZ=/i.test(text)) {
    return fail('schedule', 'TZ= and CRON_TZ= prefixes are not supported; set spec.timeZone instead');
  }
  if (!isKnownTimeZone(opts.timeZone)) {
    return fail('timeZone', `unknown time zone "${opts.timeZone}"; use an IANA name such as Europe/Berlin`);
  }
  if (text.startsWith('@')) return compileMacro(expr, text, opts);
  return compileCron(expr, text, opts);
}

function compileMacro(expr: string, text: string, opts: CompileOptions): CompileResult {
  const [word = '', ...rest] = text.split(/\s+/);
  const name = word.toLowerCase();
  if (name === '@every') {
    if (rest.length > 1)
      return fail('schedule', '@every takes one duration without spaces, e.g. "@every 1h30m"');
    const parsed = parseDuration(rest[0] ?? '');
    if (!parsed.ok) return fail('schedule', parsed.reason);
    if (parsed.ms < MIN_EVERY_MS) return fail('schedule', `@every must be at least 1s (got ${rest[0]})`);
    return { ok: true, schedule: new EverySchedule(expr, parsed.ms, opts.timeZone, opts.hashKey) };
  }
  if (rest.length > 0) return fail('schedule', `${word} takes no arguments`);
  if (name === '@manual' || name === '@manually') {
    return { ok: true, schedule: new ManualSchedule(expr, opts.timeZone) };
  }
  const pattern = MACROS[name];
  if (pattern === undefined) {
    return fail(
      'schedule',
      `unknown macro ${word}; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration> or @manual`,
    );
  }
  return compilePattern(expr, pattern, opts);
}

function compileCron(expr: string, text: string, opts: CompileOptions): CompileResult {
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return fail(
      'schedule',
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, got ${fields.length}`,
    );
  }
  const checked = normalizeFields(fields, opts.hashKey);
  if (!checked.ok) return fail('schedule', checked.reason);
  return compilePattern(expr, checked.fields.join(' '), opts);
}

function compilePattern(expr: string, pattern: string, opts: CompileOptions): CompileResult {
  const evaluators = opts.evaluators ?? sharedEvaluators;
  let evaluator: ReturnType<EvaluatorCache['get']>;
  try {
    evaluator = evaluators.get(pattern, opts.timeZone);
  } catch (error) {
    return fail('schedule', croneReason(error));
  }
  if (mayNeverFire(pattern) && !evaluator.firesWithin(NEVER_FIRES_FROM_MS, NEVER_FIRES_WINDOW_MS)) {
    return fail('schedule', `"${pattern}" never fires (no such date in any year)`);
  }
  // Interned when equal, so an unhashed schedule shares the caller's string.
  const normalized = pattern === expr ? expr : pattern;
  return { ok: true, schedule: new CronSchedule(expr, normalized, opts.timeZone, evaluators) };
}

/**
 * Only a pattern restricting both day-of-month and month can name a date that does not exist
 * (30 February); every other valid pattern fires at least weekly, so the walk is skipped.
 */
function mayNeverFire(pattern: string): boolean {
  const fields = pattern.split(' ');
  const offset = fields.length === 6 ? 1 : 0;
  const dayOfMonth = fields[2 + offset];
  const month = fields[3 + offset];
  return dayOfMonth !== '*' && dayOfMonth !== '?' && month !== '*';
}

function croneReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // croner prefixes its messages with its class name; users need only the sentence.
  return message.replace(/^CronPattern:\s*/, '').replace(/^Syntax error,\s*/i, '');
}

function fail(field: 'schedule' | 'timeZone', reason: string): CompileResult {
  return { ok: false, field, reason };
}

// ---- the three kinds ----------------------------------------------------------------------------
// Small on purpose: 100,000 armed schedules must stay well under 512 bytes each.

class CronSchedule implements CompiledSchedule {
  readonly expression: string;
  readonly normalized: string;
  readonly timeZone: string;
  private readonly evaluators: EvaluatorCache;

  constructor(expression: string, normalized: string, timeZone: string, evaluators: EvaluatorCache) {
    this.expression = expression;
    this.normalized = normalized;
    this.timeZone = timeZone;
    this.evaluators = evaluators;
  }

  get kind(): 'cron' {
    return 'cron';
  }

  next(afterMs: number): number | undefined {
    return this.evaluators.get(this.normalized, this.timeZone).next(afterMs);
  }
}

class EverySchedule implements CompiledSchedule {
  readonly expression: string;
  readonly timeZone: string;
  readonly periodMs: number;
  /** Offset of the fire times from multiples of the period since the epoch, in whole seconds. */
  readonly phaseMs: number;

  constructor(expression: string, periodMs: number, timeZone: string, hashKey: string) {
    this.expression = expression;
    this.timeZone = timeZone;
    this.periodMs = periodMs;
    const periodSeconds = Math.floor(periodMs / 1000);
    this.phaseMs = hashKey === '' ? 0 : (stableHash(hashKey, 1000) % periodSeconds) * 1000;
  }

  get kind(): 'every' {
    return 'every';
  }

  get normalized(): string {
    return `@every ${formatDuration(this.periodMs)}`;
  }

  next(afterMs: number): number {
    const periods = Math.floor((afterMs - this.phaseMs) / this.periodMs) + 1;
    return this.phaseMs + periods * this.periodMs;
  }
}

class ManualSchedule implements CompiledSchedule {
  readonly expression: string;
  readonly timeZone: string;

  constructor(expression: string, timeZone: string) {
    this.expression = expression;
    this.timeZone = timeZone;
  }

  get kind(): 'manual' {
    return 'manual';
  }

  get normalized(): string {
    return '@manual';
  }

  next(_afterMs: number): undefined {
    return undefined;
  }
}
