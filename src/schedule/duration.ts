/**
 * Go-style durations for `@every <duration>`: a sequence of decimal numbers with units, e.g.
 * `90s`, `1h30m`, `1.5h`, `2m500ms`. Units: ns, us (or µs), ms, s, m, h. No sign, no spaces.
 * Parsing returns whole milliseconds; formatting gives the canonical form (`1h30m`, `1m30s`,
 * `1s500ms`), which is what `CompiledSchedule.normalized` shows.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseDuration(text: string): DurationResult {
  if (text === '')
    return { ok: false, reason: '@every needs a duration, e.g. "@every 90s" or "@every 1h30m"' };
  if (!WHOLE.test(text)) {
    return {
      ok: false,
      reason: `"${text}" is not a duration; use numbers with units ns, us, ms, s, m, h (e.g. 90s, 1h30m)`,
    };
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  // Rounded to whole milliseconds, the wheel's resolution.
  const ms = Math.round(total);
  if (!Number.isFinite(ms) || ms > Number.MAX_SAFE_INTEGER)
    return { ok: false, reason: `duration "${text}" is too large` };
  return { ok: true, ms };
}

/** Canonical Go-like form of a positive whole number of milliseconds: `1h30m`, `1m30s`, `1s500ms`. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  let out = '';
  if (hours) out += `${hours}h`;
  if (minutes) out += `${minutes}m`;
  if (seconds) out += `${seconds}s`;
  if (millis) out += `${millis}ms`;
  return out;
}
