/**
 * validateJobNotifier: anything in, either the JobNotifier with defaults applied or every problem
 * as a Kubernetes status cause (field path, reason, message). Beyond the zod shape: exactly one of
 * address and addressFrom where the type needs an address, a URL that parses with http(s) (no
 * credentials in it: they belong in a Secret), headers with exactly one of value/valueFrom, the
 * per-type settings (email needs spec.email, save needs spec.save, nothing else takes them), the
 * label selector, the subject template, and retry backoffs in order.
 *
 * What only the operator can know (a Secret exists, a save folder is allowed) is reported as the
 * notifier's Ready=False condition instead. Never throws, never echoes header values.
 */
import { CauseList, type FieldCause } from './causes.ts';
import { checkSelector } from './label-selector.ts';
import { type JobNotifier, JobNotifierSchema, NOTIFIER_TYPES, type NotifierType } from './notifier-schema.ts';
import { parseTemplate } from './notifier-template.ts';
import { issueToCause, pruneNulls } from './validate.ts';

export type NotifierValidation = { ok: true; notifier: JobNotifier } | { ok: false; causes: FieldCause[] };

/** Types whose address has a well-known default (the service's public API). */
export const DEFAULT_ADDRESSES: Partial<Record<NotifierType, string>> = {
  pushover: 'https://api.pushover.net/1/messages.json',
  pagerduty: 'https://events.pagerduty.com/v2/enqueue',
};

/** Types delivered over HTTP, which take an address and headers: all but mail and files. */
export const HTTP_TYPES: ReadonlySet<NotifierType> = new Set(
  NOTIFIER_TYPES.filter((type) => type !== 'email' && type !== 'save'),
);

/** Why `text` is not an address a notifier may send to, or undefined. */
export function addressProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password)
    return 'must not carry credentials; use addressFrom or headers from a Secret';
  return undefined;
}

export function validateJobNotifier(input: unknown): NotifierValidation {
  try {
    const pruned = pruneNulls(input, 0);
    const shape = JobNotifierSchema.safeParse(pruned, { reportInput: true });
    const causes = new CauseList();
    if (!shape.success) {
      for (const issue of shape.error.issues) {
        const cause = issueToCause(issue);
        // Header values may be tokens: never echo them.
        if (/headers\[\d+\]\.value$/.test(cause.field))
          cause.message = 'Invalid value: (not shown): must be a string of at most 4096 characters';
        causes.add(cause);
      }
      return { ok: false, causes: causes.list };
    }
    checkSpec(shape.data, causes);
    if (causes.list.length) return { ok: false, causes: causes.list };
    return { ok: true, notifier: shape.data };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      ok: false,
      causes: [{ field: '', reason: 'FieldValueInvalid', message: `Invalid value: ${why}` }],
    };
  }
}

function checkSpec(notifier: JobNotifier, causes: CauseList): void {
  const meta = notifier.metadata;
  if (meta.name) causes.dnsSubdomain('metadata.name', meta.name);
  const spec = notifier.spec;
  const http = HTTP_TYPES.has(spec.type);
  if (http) {
    const needsAddress = DEFAULT_ADDRESSES[spec.type] === undefined;
    if (spec.address !== undefined && spec.addressFrom !== undefined)
      causes.forbidden('spec.addressFrom', 'exactly one of address and addressFrom may be set');
    else if (needsAddress && spec.address === undefined && spec.addressFrom === undefined)
      causes.required('spec.address', `type ${spec.type} needs address or addressFrom`);
    if (spec.address !== undefined) {
      const problem = addressProblem(spec.address);
      if (problem) causes.invalid('spec.address', spec.address, problem);
    }
  } else {
    if (spec.address !== undefined) causes.forbidden('spec.address', `not used by type ${spec.type}`);
    if (spec.addressFrom !== undefined) causes.forbidden('spec.addressFrom', `not used by type ${spec.type}`);
    if (spec.headers !== undefined) causes.forbidden('spec.headers', `not used by type ${spec.type}`);
  }
  const seen = new Set<string>();
  (spec.headers ?? []).forEach((h, i) => {
    const at = `spec.headers[${i}]`;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h.name))
      causes.invalid(`${at}.name`, h.name, 'must be an HTTP token');
    const lower = h.name.toLowerCase();
    if (seen.has(lower)) causes.duplicate(`${at}.name`, h.name);
    seen.add(lower);
    if ((h.value === undefined) === (h.valueFrom === undefined))
      causes.add({
        field: at,
        reason: h.value === undefined ? 'FieldValueRequired' : 'FieldValueForbidden',
        message: 'exactly one of value and valueFrom must be set',
      });
    if (h.value !== undefined && /[\r\n]/.test(h.value))
      causes.add({
        field: `${at}.value`,
        reason: 'FieldValueInvalid',
        message: 'Invalid value: must not contain line breaks',
      });
  });
  if (spec.type === 'email') {
    if (!spec.email) causes.required('spec.email', 'type email needs SMTP settings');
    else {
      const parsed = parseTemplate(spec.email.subject);
      if (!parsed.ok) causes.invalid('spec.email.subject', spec.email.subject, parsed.why);
      if (!/^[^\s@<>]+@[^\s@<>]+$/.test(spec.email.from))
        causes.invalid('spec.email.from', spec.email.from, 'must be an e-mail address');
      spec.email.to.forEach((to, i) => {
        if (!/^[^\s@<>]+@[^\s@<>]+$/.test(to))
          causes.invalid(`spec.email.to[${i}]`, to, 'must be an e-mail address');
      });
    }
  } else if (spec.email) causes.forbidden('spec.email', `not used by type ${spec.type}`);
  if (spec.type === 'save') {
    if (!spec.save) causes.required('spec.save', 'type save needs a folder');
    else if (!spec.save.folder.startsWith('/') || spec.save.folder.split('/').includes('..'))
      causes.invalid('spec.save.folder', spec.save.folder, "must be an absolute path without '..'");
  } else if (spec.save) causes.forbidden('spec.save', `not used by type ${spec.type}`);
  const needsCredentials: Partial<Record<NotifierType, string>> = {
    pushover: 'the keys token and user',
    pagerduty: 'the key routingKey',
  };
  const need = needsCredentials[spec.type];
  if (need && !spec.credentialsFrom)
    causes.required('spec.credentialsFrom', `type ${spec.type} needs a Secret with ${need}`);
  checkSelector(spec.jobSelector, 'spec.jobSelector', causes);
  if (spec.events && new Set(spec.events).size !== spec.events.length)
    causes.invalid('spec.events', spec.events, 'must not repeat an event');
  if (spec.retry && spec.retry.initialBackoffSeconds > spec.retry.maxBackoffSeconds)
    causes.invalid(
      'spec.retry.initialBackoffSeconds',
      spec.retry.initialBackoffSeconds,
      'must be less than or equal to maxBackoffSeconds',
    );
}
