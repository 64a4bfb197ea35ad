/**
 * validateScheduledDockerJob: anything in (a parsed manifest, a request body), either the job with
 * defaults applied or EVERY problem found out, each as a Kubernetes status cause (field path,
 * reason, readable message) — the shape kubectl prints for a 422 Invalid.
 *
 * Two passes over the same input, after nulls are pruned as a Kubernetes API server prunes them:
 * the zod shape (types, enums, numeric bounds from schema.ts) and the semantic rules the schema
 * cannot express (the schedule compiles, run/exec exclusivity, names, quantities, paths). The
 * semantic pass reads the raw input defensively, so a type error in one field never hides a rule
 * broken in another. A field that failed the shape pass gets no second cause.
 *
 * Never throws, never echoes environment variable values, never does I/O. Unknown fields are not
 * its business (see unknown-fields.ts): an API server prunes or rejects them depending on the
 * request's fieldValidation.
 */
import type { z } from 'zod';
import { compileSchedule, isKnownTimeZone } from '../schedule/index.ts';
import { CauseList, type FieldCause, formatValue } from './causes.ts';
import {
  checkExecSpec,
  checkLocalSpec,
  checkMetadata,
  checkRunSpec,
  checkStartSpec,
  type Json,
  obj,
  str,
} from './field-rules.ts';
import {
  type ScheduledDockerJob,
  ScheduledDockerJobSchema,
  type ScheduledDockerJobStatus,
  ScheduledDockerJobStatusSchema,
} from './schema.ts';

export type { CauseReason, FieldCause } from './causes.ts';

export type ValidationResult = { ok: true; job: ScheduledDockerJob } | { ok: false; causes: FieldCause[] };
export type StatusValidationResult =
  | { ok: true; status: ScheduledDockerJobStatus | undefined }
  | { ok: false; causes: FieldCause[] };

/** The job kinds: a spec sets exactly one of them. */
export const JOB_KINDS = ['run', 'exec', 'start', 'local'] as const;
const EXACTLY_ONE_KIND = 'exactly one of run, exec, start and local must be set';

/** Deepest nesting pruned of nulls; deeper input is left to the shape check (which rejects it). */
const MAX_PRUNE_DEPTH = 64;

/** Shape + semantic validation, with defaults applied to the returned job. Never throws on any input. */
export function validateScheduledDockerJob(input: unknown): ValidationResult {
  try {
    const pruned = pruneNulls(input, 0);
    const shape = ScheduledDockerJobSchema.safeParse(pruned, { reportInput: true });
    const causes = new CauseList();
    if (!shape.success) for (const issue of shape.error.issues) causes.add(issueToCause(issue));
    const shapeFields = new Set(causes.list.map((c) => c.field));
    const semantic = new CauseList();
    checkSemantics(pruned, semantic);
    for (const cause of semantic.list) if (!shapeFields.has(cause.field)) causes.add(cause);
    if (shape.success && causes.list.length === 0) return { ok: true, job: shape.data };
    if (causes.list.length === 0) causes.invalid('', input, 'could not be validated');
    return { ok: false, causes: causes.list };
  } catch (e) {
    // A hostile input (a Proxy, a getter that throws) must still get an answer, not an exception.
    return { ok: false, causes: [unvalidatable('', e)] };
  }
}

/**
 * A status alone, as a write to the status subresource brings it: the same shape check the whole
 * object gets for its `status` (causes under `status.`), nothing else. The rest of the object is
 * the stored one, admitted when it was written, and a status write cannot change it; the semantic
 * rules concern only metadata and spec. Never throws on any input.
 */
export function validateScheduledDockerJobStatus(status: unknown): StatusValidationResult {
  try {
    const pruned = pruneNulls(status, 1);
    if (pruned === undefined || pruned === null) return { ok: true, status: undefined };
    const shape = ScheduledDockerJobStatusSchema.safeParse(pruned, { reportInput: true });
    if (shape.success) return { ok: true, status: shape.data };
    const causes = new CauseList();
    for (const issue of shape.error.issues)
      causes.add(issueToCause({ ...issue, path: ['status', ...issue.path] }));
    return { ok: false, causes: causes.list };
  } catch (e) {
    return { ok: false, causes: [unvalidatable('status', e)] };
  }
}

/**
 * Drops object properties whose value is null, recursively, as an API server does for fields that
 * are not nullable (`retry:` with nothing after it in YAML means "not set"). Array items are kept.
 */
export function pruneNulls(value: unknown, depth: number): unknown {
  if (depth > MAX_PRUNE_DEPTH || value === null || typeof value !== 'object') return value;
  // Copy on write: a value without nulls (nearly every one) is returned as it is, not copied
  // (the copy was most of the cost of validating a stored job at start-up).
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const pruned = pruneNulls(item, depth + 1);
      if (pruned !== item && copy === undefined) copy = value.slice(0, i);
      copy?.push(pruned);
    }
    return copy ?? value;
  }
  const entries = Object.entries(value);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < entries.length; i++) {
    const [key, item] = entries[i]!;
    const pruned = item === null ? PRUNED : pruneNulls(item, depth + 1);
    if (pruned !== item && out === undefined) {
      out = {};
      for (let j = 0; j < i; j++) out[entries[j]![0]] = entries[j]![1];
    }
    if (out !== undefined && pruned !== PRUNED) out[key] = pruned;
  }
  return out ?? value;
}

/** The cause for input that could not be read at all (a throwing getter, a Proxy). */
function unvalidatable(field: string, e: unknown): FieldCause {
  const why = e instanceof Error ? e.message : String(e);
  return { field, reason: 'FieldValueInvalid', message: `Invalid value: could not be validated: ${why}` };
}

/** Marks a property dropped by pruneNulls. */
const PRUNED: unique symbol = Symbol('pruned');

/** `['spec', 'run', 'env', 2, 'name']` -> `spec.run.env[2].name`; map keys that are not identifiers in brackets. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(part))
      out += out ? `.${part}` : part;
    else out += `[${String(part)}]`;
  }
  return out;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  record: 'an object',
};

/** One zod issue as a Kubernetes cause. */
export function issueToCause(issue: z.core.$ZodIssue): FieldCause {
  const field = fieldPath(issue.path);
  // Environment values may hold secrets: say what type was wrong, never echo the value.
  const input = /env\[\d+\]\.value$/.test(field) ? typeName(issue.input) : issue.input;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined)
        return { field, reason: 'FieldValueRequired', message: 'Required value' };
      return {
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${formatValue(input)}: must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`,
      };
    case 'invalid_value':
      return {
        field,
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${formatValue(input)}: supported values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'too_small':
      if ((issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) === 1) {
        return {
          field,
          reason: 'FieldValueRequired',
          message:
            issue.origin === 'string' ? 'Required value' : 'Required value: must have at least one item',
        };
      }
      return {
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${formatValue(input)}: must be greater than or equal to ${issue.minimum}`,
      };
    case 'too_big':
      if (issue.origin === 'string') {
        return {
          field,
          reason: 'FieldValueTooLong',
          message: `Too long: may not be more than ${issue.maximum} bytes`,
        };
      }
      return {
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${formatValue(input)}: must be less than or equal to ${issue.maximum}`,
      };
    default:
      return {
        field,
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${formatValue(input)}: ${issue.message}`,
      };
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The rules across fields, read from the raw (null-pruned) input. */
function checkSemantics(input: unknown, causes: CauseList): void {
  const root = obj(input);
  if (!root) return; // the shape pass reports a non-object
  const meta = obj(root.metadata);
  checkMetadata(meta, causes);
  const spec = obj(root.spec);
  if (!spec) return;
  checkSchedule(spec, meta, causes);
  const run = obj(spec.run);
  const exec = obj(spec.exec);
  const kinds = JOB_KINDS.filter((k) => spec[k] !== undefined);
  if (kinds.length === 0) {
    causes.required('spec', EXACTLY_ONE_KIND);
  } else if (kinds.length > 1) {
    causes.forbidden('spec', `${kinds.join(' and ')} are mutually exclusive: ${EXACTLY_ONE_KIND}`);
  }
  if (run) checkRunSpec(run, 'spec.run', causes);
  if (exec) checkExecSpec(exec, 'spec.exec', causes);
  const start = obj(spec.start);
  if (start) checkStartSpec(start, 'spec.start', causes);
  const local = obj(spec.local);
  if (local) checkLocalSpec(local, 'spec.local', causes);
  checkRetry(obj(spec.retry), causes);
  checkPlacement(obj(spec.placement), causes);
}

function checkSchedule(spec: Json, meta: Json | undefined, causes: CauseList): void {
  const schedule = str(spec.schedule);
  const timeZone = spec.timeZone === undefined ? 'UTC' : str(spec.timeZone);
  if (timeZone !== undefined && !isKnownTimeZone(timeZone)) {
    causes.invalid('spec.timeZone', timeZone, 'unknown time zone; use an IANA name such as Europe/Berlin');
  }
  if (schedule === undefined || schedule === '') return; // the shape pass reports it
  const hashKey = `${str(meta?.namespace) ?? 'default'}/${str(meta?.name) ?? str(meta?.generateName) ?? ''}`;
  // Compiled in UTC when the zone is unusable, so a bad zone does not hide a bad pattern.
  const zone = timeZone !== undefined && isKnownTimeZone(timeZone) ? timeZone : 'UTC';
  const compiled = compileSchedule(schedule, { timeZone: zone, hashKey });
  if (!compiled.ok) {
    if (compiled.field === 'schedule') causes.invalid('spec.schedule', schedule, compiled.reason);
    else causes.invalid('spec.timeZone', zone, compiled.reason);
  }
}

function checkRetry(retry: Json | undefined, causes: CauseList): void {
  if (!retry) return;
  const initial = retry.initialBackoffSeconds ?? 10;
  const max = retry.maxBackoffSeconds ?? 300;
  if (typeof initial === 'number' && typeof max === 'number' && initial > max) {
    causes.invalid(
      'spec.retry.initialBackoffSeconds',
      initial,
      `must be less than or equal to maxBackoffSeconds (${max})`,
    );
  }
}

function checkPlacement(placement: Json | undefined, causes: CauseList): void {
  if (!placement) return;
  const nodeName = str(placement.nodeName);
  if (nodeName !== undefined) causes.dnsSubdomain('spec.placement.nodeName', nodeName);
  const daemon = str(placement.daemon);
  if (daemon !== undefined) causes.dnsLabel('spec.placement.daemon', daemon);
}
