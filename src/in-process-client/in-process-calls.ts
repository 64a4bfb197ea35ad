/**
 * How every in-process call of the operator is made against the embedded API server
 * (apiserver/in-process.ts): as the client it would be over HTTPS — its writes recorded under the
 * field manager `ofelia-operator`, each bounded by a deadline — and only to kinds the server
 * serves.
 */
import type { InProcessAccess, ResourceKind } from '../apiserver/index.ts';
import { KubeRequestTimeoutError } from '../kube/api-errors.ts';
import type { Clock } from '../util/clock.ts';

/** The field manager of the operator's own writes (managedFields), as a client would name itself. */
export const FIELD_MANAGER = 'ofelia-operator';

/** The write options of the operator's writes: stored, its manager, unknown fields warned about. */
export const OPERATOR_WRITE = {
  dryRun: false,
  fieldManager: FIELD_MANAGER,
  fieldValidation: 'Warn',
} as const;

/** The served kind, or an error naming it (a server without it cannot serve this client). */
export function servedKind(
  access: Pick<InProcessAccess, 'kind'>,
  group: string,
  version: string,
  plural: string,
): ResourceKind {
  const kind = access.kind(group, version, plural);
  if (!kind)
    throw new Error(`in-process client: the API server does not serve ${plural}${group ? `.${group}` : ''}`);
  return kind;
}

/**
 * `obj` as the server would have decoded it from a request body: a copy of its own (the caller
 * keeps and may change its object), fields set to undefined absent, as JSON leaves them out.
 */
export function asRequestBody(obj: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
}

/**
 * `call()`'s result, or a KubeRequestTimeoutError after `ms` (the call itself is not cancelled):
 * a stuck disk under the store must not hold a caller forever.
 */
export async function withDeadline<T>(
  clock: Clock,
  ms: number,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new KubeRequestTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([call(), expired]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
