/**
 * Durations on the command line: `90s`, `15m`, `24h`, `30d`, combinations like `1h30m`, or `0`
 * (= never expires, where the caller allows it). Returns seconds, or an Error naming the problem.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const PART_RE = /(\d+)([smhdw])/g;

export function parseDurationSeconds(text: string): number | Error {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^(\d+[smhdw])+$/.test(t)) {
    return new Error(`invalid duration "${text}" (use e.g. 90s, 15m, 24h, 30d, 1h30m, or 0)`);
  }
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(PART_RE)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return new Error(`invalid duration "${text}"`);
  return seconds;
}

export function formatDurationSeconds(seconds: number): string {
  if (seconds === 0) return 'never';
  for (const [unit, n] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds % n === 0) return `${seconds / n}${unit}`;
  }
  return `${seconds}s`;
}
