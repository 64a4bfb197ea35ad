/**
 * Pure rules every stored object follows, whatever its kind: name syntax (DNS-1123), generated
 * names, timestamps in RFC 3339 seconds, unknown-field handling per `fieldValidation`, and the
 * default field manager derived from the User-Agent.
 */
import { randomInt } from 'node:crypto';
import { clone, isObject, jsonEqual } from '../../util/json-values.ts';
import { apiVersionOf, type KubeObject, metaOf, type ResourceKind } from '../kinds/kind.ts';
import { errors, type StatusCause } from '../status-errors.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Causes for an invalid name (namespaces are DNS-1123 labels, everything else subdomains). */
export function nameCauses(kind: ResourceKind, name: string): StatusCause[] {
  const label = kind.plural === 'namespaces';
  const max = label ? 63 : 253;
  const re = label ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
  if (name.length <= max && re.test(name)) return [];
  const what = label ? 'RFC 1123 label' : 'RFC 1123 subdomain';
  return [
    {
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase ${what} must consist of lower case alphanumeric characters, '-'${label ? '' : " or '.'"}, and must start and end with an alphanumeric character (max ${max} characters)`,
    },
  ];
}

export function namespaceNameCauses(namespace: string): StatusCause[] {
  return namespace.length <= 63 && DNS1123_LABEL.test(namespace)
    ? []
    : [
        {
          reason: 'FieldValueInvalid',
          field: 'metadata.namespace',
          message: `Invalid value: ${JSON.stringify(namespace)}`,
        },
      ];
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` plus five random characters from the alphabet a real server uses. */
export function generateName(prefix: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return `${prefix.slice(0, 253 - 5)}${s}`;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(raw: string | null): FieldValidation {
  if (raw === null || raw === '') return 'Warn';
  if (raw === 'Strict' || raw === 'Warn' || raw === 'Ignore') return raw;
  throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore (got ${JSON.stringify(raw)})`);
}

/** Apply the fieldValidation policy to unknown fields: Strict throws a 400, Warn returns warnings. */
export function unknownFieldWarnings(unknown: readonly string[], policy: FieldValidation): string[] {
  if (unknown.length === 0 || policy === 'Ignore') return [];
  if (policy === 'Strict') {
    const list = unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ');
    throw errors.badRequest(`strict decoding error: ${list}`);
  }
  return unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
}

/** A real server's default field manager: the User-Agent up to its first '/', at most 128 characters. */
export function defaultFieldManager(userAgent: string | undefined): string {
  const prefix = (userAgent ?? '').split('/')[0]!.trim();
  return (prefix || 'unknown').slice(0, 128);
}

/** The object as stored under resourceVersion `rv` (metadata.resourceVersion set, nothing mutated). */
export function withVersion(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...metaOf(obj), resourceVersion: String(rv) } };
}

/**
 * A copy of a request body that must be an object of `kind` (apiVersion/kind may be left out and
 * are filled in; different ones are a 400).
 */
export function normalizeBody(kind: ResourceKind, body: unknown): KubeObject {
  if (!isObject(body)) throw errors.badRequest('the request body must be a JSON object');
  const obj = clone(body);
  const apiVersion = apiVersionOf(kind);
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)
    throw errors.badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  if (obj.kind !== undefined && obj.kind !== kind.kind)
    throw errors.badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${kind.kind})`,
    );
  obj.apiVersion = apiVersion;
  obj.kind = kind.kind;
  const m = obj.metadata;
  if (m !== undefined && !isObject(m)) throw errors.badRequest('metadata must be an object');
  metaOf(obj);
  return obj;
}

/** Set (namespaced kinds) or clear (cluster-scoped) metadata.namespace; a different one in the body is a 400. */
export function placeInNamespace(kind: ResourceKind, namespace: string | undefined, meta: KubeObject): void {
  if (!kind.namespaced) {
    delete meta.namespace;
    return;
  }
  if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace)
    throw errors.badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const bad = namespaceNameCauses(namespace ?? '');
  if (bad.length) throw errors.invalid(kind.group, kind.kind, String(meta.name ?? ''), bad);
  meta.namespace = namespace;
}

/**
 * The value at a cause's field path (`spec.run.env[0].name`), or undefined when the path does not
 * resolve (or is not a field path at all).
 */
export function valueAtFieldPath(obj: unknown, path: string): unknown {
  if (!path || path.startsWith('<')) return undefined;
  let at: unknown = obj;
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) {
      if (!isObject(at)) return undefined;
      at = at[m[1]];
    }
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) {
      if (!Array.isArray(at)) return undefined;
      at = at[Number(index[1])];
    }
  }
  return at;
}

/**
 * Validation ratcheting: the causes an update is still refused for. A cause is dropped when its
 * field holds a value in both objects and the update left it unchanged; causes without a field, or
 * about a missing field, always stay.
 */
export function ratchetCauses(
  causes: readonly StatusCause[],
  previous: unknown,
  next: unknown,
): StatusCause[] {
  return causes.filter((c) => {
    const before = valueAtFieldPath(previous, c.field ?? '');
    const after = valueAtFieldPath(next, c.field ?? '');
    return before === undefined || after === undefined || !jsonEqual(before, after);
  });
}
