/**
 * Pure rules every stored object follows, whatever its kind: name syntax (DNS-1123), generated
 * names, timestamps in RFC 3339 seconds, unknown-field handling per `fieldValidation`, and the
 * default field manager derived from the User-Agent.
 */
import { randomInt } from 'node:crypto';
import type { ResourceKind } from './kinds.ts';
import { errors, type StatusCause } from './status-errors.ts';

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
