/**
 * Values of printer columns, shared by the kinds (computed cells, field labels) and the Table
 * renderer: the JSONPath subset columns use, and ages rendered as a real server does. Pure.
 */
import type { ColumnSpec } from './kind.ts';

/** The AGE column every kind's table carries (a CRD's table gets one even when it declares none). */
export const AGE_COLUMN: ColumnSpec = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

/**
 * Kubernetes' duration.HumanDuration: two significant units at most, coarser as it grows.
 * Negative durations up to one second (clock skew) read as "0s".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * The age of an RFC 3339 timestamp at `now`; a time in the future (a next schedule time) reads
 * `in 5m` instead of a real server's `<invalid>`, rounded up so that a run due in 400 ms reads
 * `in 1s`, never a misleading `0s`. Unparseable or missing: undefined.
 */
export function formatAge(timestamp: unknown, now: number): string | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return undefined;
  const delta = now - t;
  if (delta < 0) return `in ${humanDuration(Math.ceil(-delta / 1000) * 1000)}`;
  return humanDuration(delta);
}

/** The tiny JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.metadata.labels['x/y']`. */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]/g;
  let cur: unknown = obj;
  let consumed = 0;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m.index !== consumed) return undefined;
    consumed = re.lastIndex;
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = m[1] ?? m[3];
    if (key !== undefined) cur = Array.isArray(cur) ? undefined : (cur as Record<string, unknown>)[key];
    else cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return consumed === path.length ? cur : undefined;
}
