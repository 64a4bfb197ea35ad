/**
 * Field-level checking and H substitution for 5- and 6-field cron patterns.
 *
 * Input: the whitespace-split fields of a pattern (5: minute hour day-of-month month day-of-week;
 * 6: second first) and the job's hash key. Output: the fields croner will see, with every `H`
 * form replaced by concrete values, or a short reason naming the field at fault. croner parses
 * the result again; this pass exists so that users get messages in their own terms ("minute 60
 * is out of range 0-59") rather than croner's internal ones (it counts months from 0).
 */
import { stableHash } from './hash.ts';

interface FieldSpec {
  readonly name: string;
  /** Index among the six canonical fields, so a job's hashed minute does not move if seconds are added. */
  readonly position: number;
  readonly min: number;
  readonly max: number;
  /** Range H picks from when no explicit range is given. */
  readonly hashMin: number;
  readonly hashMax: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES: Readonly<Record<string, number>> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};
const DAY_NAMES: Readonly<Record<string, number>> = {
  SUN: 0,
  MON: 1,
  TUE: 2,
  WED: 3,
  THU: 4,
  FRI: 5,
  SAT: 6,
};

const SECOND: FieldSpec = { name: 'second', position: 0, min: 0, max: 59, hashMin: 0, hashMax: 59 };
const MINUTE: FieldSpec = { name: 'minute', position: 1, min: 0, max: 59, hashMin: 0, hashMax: 59 };
const HOUR: FieldSpec = { name: 'hour', position: 2, min: 0, max: 23, hashMin: 0, hashMax: 23 };
// H in day-of-month picks 1-28 (as Jenkins does) so a hashed job runs in every month.
const DAY_OF_MONTH: FieldSpec = {
  name: 'day-of-month',
  position: 3,
  min: 1,
  max: 31,
  hashMin: 1,
  hashMax: 28,
};
const MONTH: FieldSpec = {
  name: 'month',
  position: 4,
  min: 1,
  max: 12,
  hashMin: 1,
  hashMax: 12,
  names: MONTH_NAMES,
};
// 7 is accepted as Sunday; H picks 0-6.
const DAY_OF_WEEK: FieldSpec = {
  name: 'day-of-week',
  position: 5,
  min: 0,
  max: 7,
  hashMin: 0,
  hashMax: 6,
  names: DAY_NAMES,
};

const FIVE_FIELDS = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK] as const;
const SIX_FIELDS = [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK] as const;

export type FieldsResult = { ok: true; fields: string[]; hashed: boolean } | { ok: false; reason: string };

/** Check every field and substitute H. `fields.length` must be 5 or 6 (checked by the caller). */
export function normalizeFields(fields: readonly string[], hashKey: string): FieldsResult {
  const specs = fields.length === 6 ? SIX_FIELDS : FIVE_FIELDS;
  const out: string[] = [];
  let hashed = false;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const field = fields[i] ?? '';
    const parts = field.split(',');
    const normalizedParts: string[] = [];
    for (let p = 0; p < parts.length; p++) {
      const token = parts[p] ?? '';
      const result = /^H/i.test(token) ? expandHash(token, spec, hashKey, p) : checkToken(token, spec);
      if (typeof result !== 'string') return { ok: false, reason: result.reason };
      if (/^H/i.test(token)) hashed = true;
      normalizedParts.push(result);
    }
    out.push(normalizedParts.join(','));
  }
  return { ok: true, fields: out, hashed };
}

interface Failure {
  readonly reason: string;
}

const H_FORM = /^H(?:\((\d+)-(\d+)\))?(?:\/(\d+))?$/;

function expandHash(token: string, spec: FieldSpec, hashKey: string, index: number): string | Failure {
  const match = H_FORM.exec(token);
  if (!match) {
    return { reason: `${spec.name} "${token}" is not a valid H form; use H, H/n, H(a-b) or H(a-b)/n` };
  }
  let low = spec.hashMin;
  let high = spec.hashMax;
  if (match[1] !== undefined && match[2] !== undefined) {
    low = Number(match[1]);
    high = Number(match[2]);
    if (low < spec.min || high > spec.max) {
      return { reason: `${spec.name} range in "${token}" must be within ${spec.min}-${spec.max}` };
    }
    if (low > high) return { reason: `${spec.name} range in "${token}" starts after it ends` };
  }
  const hash = stableHash(hashKey, spec.position * 16 + index);
  if (match[3] === undefined) return String(low + (hash % (high - low + 1)));
  const step = Number(match[3]);
  const width = high - low + 1;
  if (step < 1) return { reason: `${spec.name} step in "${token}" must be at least 1` };
  if (step > width) return { reason: `${spec.name} step in "${token}" must be at most ${width}` };
  // Jenkins: the hash picks the first value within one step; the rest follow at the step.
  const start = low + (hash % step);
  return `${start}-${high}/${step}`;
}

const PLAIN = /^(\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(.*))?$/;

function checkToken(token: string, spec: FieldSpec): string | Failure {
  if (token === '') return { reason: `${spec.name} has an empty list item` };
  if (spec === DAY_OF_MONTH && /^(L|LW|\d+W)$/i.test(token)) {
    const day = Number.parseInt(token, 10);
    if (!Number.isNaN(day) && (day < 1 || day > 31)) return outOfRange(spec, day);
    return token;
  }
  if (spec === DAY_OF_WEEK) {
    const nth = /^([0-9A-Za-z]+)(#[1-5]|L)$/i.exec(token);
    if (nth) {
      const day = fieldValue(nth[1] ?? '', spec);
      if (typeof day !== 'number') return day;
      return token;
    }
    if (/#/.test(token)) return { reason: `day-of-week "${token}": # takes a week number 1-5, e.g. MON#2` };
  }
  const match = PLAIN.exec(token);
  if (!match) return { reason: `${spec.name} "${token}" is not a valid value, range or step` };
  const base = match[1] ?? '';
  const stepText = match[2];
  if (base === '?' && spec !== DAY_OF_MONTH && spec !== DAY_OF_WEEK) {
    return { reason: `? is only allowed in day-of-month and day-of-week` };
  }
  let isRange = base === '*' || base === '?';
  if (!isRange) {
    const bounds = base.split('-');
    const from = fieldValue(bounds[0] ?? '', spec);
    if (typeof from !== 'number') return from;
    if (bounds.length === 2) {
      const to = fieldValue(bounds[1] ?? '', spec);
      if (typeof to !== 'number') return to;
      if (from > to) return { reason: `${spec.name} range "${base}" starts after it ends` };
      isRange = true;
    }
  }
  if (stepText === undefined) return token;
  if (!/^\d+$/.test(stepText)) return { reason: `${spec.name} step "${stepText}" is not a whole number` };
  const step = Number(stepText);
  const width = spec.max - spec.min + 1;
  if (step < 1) return { reason: `${spec.name} step must be at least 1` };
  if (step > width) return { reason: `${spec.name} step ${step} is larger than the field (${width} values)` };
  // `5/15` (as robfig/cron and Kubernetes accept it) means 5-max/15; croner wants it spelled out.
  if (!isRange) return `${base}-${spec.max}/${step}`;
  return token;
}

function fieldValue(text: string, spec: FieldSpec): number | Failure {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value < spec.min || value > spec.max ? outOfRange(spec, value) : value;
  }
  const named = spec.names?.[text.toUpperCase()];
  if (named !== undefined) return named;
  return { reason: `${spec.name} "${text}" is not a number${spec.names ? ' or a name' : ''}` };
}

function outOfRange(spec: FieldSpec, value: number): Failure {
  return { reason: `${spec.name} ${value} is out of range ${spec.min}-${spec.max}` };
}
