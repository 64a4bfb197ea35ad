/**
 * Validation causes in the Kubernetes shape (`metav1.StatusCause`: field, reason, message) and the
 * name-syntax rules every Kubernetes object shares (DNS-1123 labels and subdomains, qualified names,
 * label values), with Kubernetes' wording so kubectl users read familiar messages.
 */

export type CauseReason =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTooLong'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden';

/** One problem: `field` like 'spec.run.image' or 'spec.run.env[2].name'; `message` readable. */
export interface FieldCause {
  field: string;
  reason: CauseReason;
  message: string;
}

/** Longest value echoed in a message: a 1 MiB string must not come back in every error line. */
const MAX_ECHO = 80;
/** Most causes kept for one object; the rest are counted in a last cause. */
export const MAX_CAUSES = 200;

/** A value as Kubernetes prints it in "Invalid value: ...": strings quoted, composites by type. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return '""';
  return JSON.stringify(Array.isArray(value) ? 'array' : typeof value);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const DNS_LABEL_WHY =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')";
const DNS_SUBDOMAIN_WHY =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
const NAME_PART_WHY =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')";

/** Why `value` is not a DNS-1123 label (at most 63 characters), or undefined when it is one. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  return DNS_LABEL.test(value) ? undefined : DNS_LABEL_WHY;
}

/** Why `value` is not a DNS-1123 subdomain (at most 253 characters), or undefined. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  return DNS_SUBDOMAIN.test(value) ? undefined : DNS_SUBDOMAIN_WHY;
}

/** Why `key` is not a qualified name (`[prefix/]name`, as label and annotation keys), or undefined. */
export function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `a qualified name must be [prefix/]name; ${NAME_PART_WHY}`;
  const name = parts.length === 2 ? (parts[1] ?? '') : key;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return 'prefix part must be non-empty';
    const prefixProblem = dnsSubdomainProblem(prefix);
    if (prefixProblem) return `prefix part ${prefixProblem}`;
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  return QUALIFIED_NAME_PART.test(name) ? undefined : NAME_PART_WHY;
}

/** Why `value` is not a valid label value (empty, or a name part of at most 63 characters). */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  return QUALIFIED_NAME_PART.test(value)
    ? undefined
    : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
}

/** Collects causes with Kubernetes' message forms, bounded to MAX_CAUSES. */
export class CauseList {
  readonly list: FieldCause[] = [];
  private dropped = 0;

  add(cause: FieldCause): void {
    if (this.list.some((c) => c.field === cause.field && c.message === cause.message)) return;
    if (this.list.length < MAX_CAUSES - 1) {
      this.list.push(cause);
      return;
    }
    this.dropped++;
    const summary: FieldCause = {
      field: '',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${this.dropped} more problem(s) not listed`,
    };
    if (this.list.length === MAX_CAUSES) this.list[MAX_CAUSES - 1] = summary;
    else this.list.push(summary);
  }

  required(field: string, detail?: string): void {
    this.add({
      field,
      reason: 'FieldValueRequired',
      message: detail ? `Required value: ${detail}` : 'Required value',
    });
  }

  invalid(field: string, value: unknown, why: string): void {
    this.add({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${formatValue(value)}: ${why}` });
  }

  tooLong(field: string, max: number, detail?: string): void {
    const message = `Too long: may not be more than ${max} bytes${detail ? ` (${detail})` : ''}`;
    this.add({ field, reason: 'FieldValueTooLong', message });
  }

  duplicate(field: string, value: unknown): void {
    this.add({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${formatValue(value)}` });
  }

  forbidden(field: string, why: string): void {
    this.add({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${why}` });
  }

  dnsLabel(field: string, value: string): void {
    const problem = dnsLabelProblem(value);
    if (problem) this.invalid(field, value, problem);
  }

  dnsSubdomain(field: string, value: string): void {
    const problem = dnsSubdomainProblem(value);
    if (problem) this.invalid(field, value, problem);
  }
}
