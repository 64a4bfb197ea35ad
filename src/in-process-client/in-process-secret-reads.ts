/**
 * The Secret and ConfigMap reads of a CachedSecretSource (kube/cached-secret-source.ts)
 * in-process against the embedded API server: the stored object, parsed; a missing one is the
 * server's 404, cached as missing by the source. Every read has a deadline.
 */
import type { InProcessAccess } from '../apiserver/index.ts';
import type { SecretLike, SecretReads } from '../kube/cached-secret-source.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import type { Clock } from '../util/clock.ts';
import { servedKind, withDeadline } from './in-process-calls.ts';

export interface InProcessSecretReadsOptions {
  access: InProcessAccess;
  clock: Clock;
  /** Deadline of one read (default 10 s, as over HTTPS). */
  timeoutMs?: number;
}

export function inProcessSecretReads(o: InProcessSecretReadsOptions): SecretReads {
  const secrets = servedKind(o.access, '', 'v1', 'secrets');
  const configMaps = servedKind(o.access, '', 'v1', 'configmaps');
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    readSecret: (namespace, name) =>
      withDeadline(
        o.clock,
        timeoutMs,
        'secret read',
        async () => o.access.service.get(secrets, namespace, name) as SecretLike,
      ),
    readConfigMap: (namespace, name) =>
      withDeadline(
        o.clock,
        timeoutMs,
        'config map read',
        async () => o.access.service.get(configMaps, namespace, name) as SecretLike,
      ),
  };
}
