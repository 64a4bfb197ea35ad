/**
 * From a JobNotifier's spec to what a delivery needs, with the Secrets read: the address
 * (spec.address, addressFrom, or the type's default), the header values, the credentials. The
 * outcome is either `ready` with the resolved settings or `notReady` with a reason and a message
 * for the Ready condition — which names Secrets and keys, never their values.
 */
import type { JobNotifierSpec, NotifierType } from '../api/notifier-schema.ts';
import { addressProblem, DEFAULT_ADDRESSES, HTTP_TYPES } from '../api/validate-notifier.ts';
import type { SecretSource } from '../runner/secret-source.ts';
import { saveFolderProblem } from './save-delivery.ts';

export interface ResolvedNotifier {
  type: NotifierType;
  /** The HTTP address (HTTP types only). */
  address: string;
  headers: Record<string, string>;
  credentials: Record<string, string>;
}

export type Resolution =
  | { ready: true; resolved: ResolvedNotifier }
  | {
      ready: false;
      reason:
        | 'SecretNotFound'
        | 'SecretKeyNotFound'
        | 'InvalidAddress'
        | 'SaveDirNotAllowed'
        | 'SecretUnreadable';
      message: string;
    };

const CREDENTIAL_KEYS: Partial<Record<NotifierType, string[]>> = {
  pushover: ['token', 'user'],
  pagerduty: ['routingKey'],
  gotify: ['token'],
  matrix: ['accessToken'],
  email: ['username', 'password'],
};

export async function resolveNotifier(
  namespace: string,
  spec: JobNotifierSpec,
  secrets: SecretSource,
  allowedSaveDirs: readonly string[],
): Promise<Resolution> {
  const cache = new Map<string, Record<string, string> | undefined>();
  const secret = async (name: string) => {
    if (!cache.has(name)) cache.set(name, await secrets.getSecretData(namespace, name));
    return cache.get(name);
  };
  try {
    const keyOf = async (ref: { name: string; key: string; optional?: boolean }, what: string) => {
      const data = await secret(ref.name);
      if (!data)
        return {
          missing: { reason: 'SecretNotFound' as const, message: `Secret ${ref.name} (${what}) not found` },
        };
      const value = data[ref.key];
      if (value === undefined)
        return {
          missing: {
            reason: 'SecretKeyNotFound' as const,
            message: `Secret ${ref.name} has no key ${ref.key} (${what})`,
          },
        };
      return { value };
    };
    let address = spec.address ?? DEFAULT_ADDRESSES[spec.type] ?? '';
    if (spec.addressFrom) {
      const got = await keyOf(spec.addressFrom.secretKeyRef, 'spec.addressFrom');
      if (got.missing) return { ready: false, ...got.missing };
      address = got.value.trim();
    }
    if (HTTP_TYPES.has(spec.type)) {
      const problem = addressProblem(address);
      // The address may be a secret: say where it came from, not what it is.
      if (problem)
        return {
          ready: false,
          reason: 'InvalidAddress',
          message:
            `the address ${spec.addressFrom ? `from Secret ${spec.addressFrom.secretKeyRef.name}` : ''} ${problem}`.replace(
              / {2}/,
              ' ',
            ),
        };
    }
    const headers: Record<string, string> = {};
    for (const [i, h] of (spec.headers ?? []).entries()) {
      if (h.value !== undefined) headers[h.name.toLowerCase()] = h.value;
      else if (h.valueFrom) {
        const got = await keyOf(h.valueFrom.secretKeyRef, `spec.headers[${i}]`);
        if (got.missing) return { ready: false, ...got.missing };
        headers[h.name.toLowerCase()] = got.value.replace(/[\r\n]/g, '');
      }
    }
    const credentials: Record<string, string> = {};
    const credentialsSecret =
      spec.type === 'email' ? spec.email?.credentialsFrom?.name : spec.credentialsFrom?.name;
    if (credentialsSecret) {
      const data = await secret(credentialsSecret);
      if (!data)
        return {
          ready: false,
          reason: 'SecretNotFound',
          message: `Secret ${credentialsSecret} (credentials) not found`,
        };
      for (const key of CREDENTIAL_KEYS[spec.type] ?? [])
        if (data[key] !== undefined) credentials[key] = data[key];
      const needed =
        spec.type === 'pushover'
          ? ['token', 'user']
          : spec.type === 'pagerduty'
            ? ['routingKey']
            : spec.type === 'email'
              ? ['username']
              : [];
      const missing = needed.filter((k) => credentials[k] === undefined);
      if (missing.length)
        return {
          ready: false,
          reason: 'SecretKeyNotFound',
          message: `Secret ${credentialsSecret} has no key ${missing.join(', ')} (credentials)`,
        };
    }
    if (spec.type === 'save' && spec.save) {
      const problem = saveFolderProblem(spec.save.folder, allowedSaveDirs);
      if (problem)
        return { ready: false, reason: 'SaveDirNotAllowed', message: `spec.save.folder ${problem}` };
    }
    return { ready: true, resolved: { type: spec.type, address, headers, credentials } };
  } catch (error) {
    return {
      ready: false,
      reason: 'SecretUnreadable',
      message: `Secrets could not be read: ${(error as Error).name}`,
    };
  }
}
