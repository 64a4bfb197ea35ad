/**
 * Ofelia schedules to `spec.schedule` + `spec.timeZone`, keeping Ofelia's meaning exactly.
 *
 * Ofelia parses with robfig/cron: five fields are minute-first, six fields have seconds first
 * (as ours); `?` means `*`; descriptors and `@every <Go duration>` as ours, except that robfig
 * truncates an @every duration to whole seconds with a minimum of 1 s; a `CRON_TZ=Zone` or
 * `TZ=Zone` prefix picks the time zone; the fork's `@triggered`, `@manual` and `@none` mean "only
 * on demand" (`@manual`). Pure; the result is compiled with our own schedule code, so what is
 * returned as translated really is accepted by `validate`.
 */

import { formatDuration, parseDuration } from '../schedule/duration.ts';
import { compileSchedule, isKnownTimeZone } from '../schedule/index.ts';

export type ScheduleTranslation =
  | { ok: true; schedule: string; timeZone?: string }
  | { ok: false; reason: string };

const ON_DEMAND = new Set(['@triggered', '@manual', '@none']);

export function translateSchedule(input: string): ScheduleTranslation {
  let text = input.trim();
  if (text === '') return { ok: false, reason: 'schedule is empty' };
  let timeZone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/i.exec(text);
  if (tz) {
    timeZone = tz[1]!;
    text = tz[2]!.trim();
    if (!isKnownTimeZone(timeZone)) {
      return { ok: false, reason: `time zone "${timeZone}" is not a known IANA zone` };
    }
  }
  let schedule: string;
  if (text.startsWith('@')) {
    const [word = '', ...rest] = text.split(/\s+/);
    const macro = word.toLowerCase();
    if (ON_DEMAND.has(macro) && rest.length === 0) schedule = '@manual';
    else if (macro === '@every') {
      if (rest.length !== 1) return { ok: false, reason: '@every takes one duration, e.g. "@every 1h30m"' };
      const parsed = parseDuration(rest[0]!);
      if (!parsed.ok) return { ok: false, reason: parsed.reason };
      // robfig/cron: whole seconds, at least one.
      const ms = Math.max(1000, Math.floor(parsed.ms / 1000) * 1000);
      schedule = ms === parsed.ms ? `@every ${rest[0]}` : `@every ${formatDuration(ms)}`;
    } else schedule = `${macro}${rest.length ? ` ${rest.join(' ')}` : ''}`;
  } else {
    const fields = text.split(/\s+/);
    if (fields.length !== 5 && fields.length !== 6) {
      return {
        ok: false,
        reason: `expected 5 fields (minute-first) or 6 (seconds first), got ${fields.length}`,
      };
    }
    // No day or month name starts with H, so an H at a value's start is our hash syntax.
    if (fields.some((f) => /(^|[,/-])h/i.test(f))) {
      return { ok: false, reason: 'H (hashed values) is not robfig/cron syntax; Ofelia would refuse it too' };
    }
    schedule = fields.map((f) => (f === '?' ? '*' : f)).join(' ');
  }
  const compiled = compileSchedule(schedule, { timeZone: timeZone ?? 'UTC', hashKey: 'import' });
  if (!compiled.ok) return { ok: false, reason: compiled.reason };
  return timeZone ? { ok: true, schedule, timeZone } : { ok: true, schedule };
}
