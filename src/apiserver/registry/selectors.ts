/**
 * Label and field selectors as kubectl and client-go write them.
 * Labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist).
 * Fields: `f=v`, `f==v`, `f!=v` over a fixed set of fields per kind (others are a 400).
 * Pure: parse once per request, match many objects.
 */
import { errors } from '../status-errors.ts';

export type LabelRequirement =
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type FieldRequirement = { field: string; op: '=' | '!='; value: string };

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/;
const VALUE = /^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$/;

/** Split on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key))
    throw errors.badRequest(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63)
    throw errors.badRequest(
      `unable to parse requirement: invalid label value "${value}" in selector "${selector}"`,
    );
  return value;
}

export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (!selector) return [];
  const reqs: LabelRequirement[] = [];
  for (const term of splitTerms(selector)) {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .map((v) => checkValue(v, selector));
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1]!, selector), values });
      continue;
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const key = checkKey(m[1]!, selector);
      const value = checkValue(m[3]!, selector);
      reqs.push({ op: m[2] === '!=' ? 'notin' : 'in', key, values: [value] });
      continue;
    }
    m = /^(!?)\s*([^=!\s()]+)$/.exec(term);
    if (m) {
      reqs.push({ op: m[1] ? 'notexists' : 'exists', key: checkKey(m[2]!, selector) });
      continue;
    }
    throw errors.badRequest(
      `unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`,
    );
  }
  return reqs;
}

export function matchesLabels(
  reqs: readonly LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const v = has ? labels![r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
    }
  }
  return true;
}

/** `allowed` lists the field names this kind supports; anything else is a 400 like a real server. */
export function parseFieldSelector(
  selector: string | null | undefined,
  allowed: readonly string[],
): FieldRequirement[] {
  if (!selector) return [];
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(selector)) {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    if (!allowed.includes(field))
      throw errors.badRequest(`"${field}" is not a known field selector: only "${allowed.join('", "')}"`);
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return reqs;
}

export function matchesFields(
  reqs: readonly FieldRequirement[],
  fieldValue: (field: string) => string | undefined,
): boolean {
  for (const r of reqs) {
    const v = fieldValue(r.field) ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
