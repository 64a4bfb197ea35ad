/**
 * Every error the API server answers is a `metav1.Status`. Handlers throw `ApiError`; the server's
 * top-level handler turns it (or any other thrown value, as a 500) into the JSON body and HTTP code.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code: number;
  details?: StatusDetails;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** A resource named `plural.group` the way kubectl prints it ("scheduleddockerjobs.ofelia.dev"). */
function qualified(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  badRequest: (message: string, causes?: StatusCause[]) =>
    new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string, details?: StatusDetails) => new ApiError(403, 'Forbidden', message, details),
  notFound: (group: string, plural: string, name: string) =>
    new ApiError(404, 'NotFound', `${qualified(plural, group)} "${name}" not found`, {
      name,
      group,
      kind: plural,
    }),
  pathNotFound: (path: string) =>
    new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`),
  alreadyExists: (group: string, plural: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualified(plural, group)} "${name}" already exists`, {
      name,
      group,
      kind: plural,
    }),
  conflict: (group: string, plural: string, name: string, why: string) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(plural, group)} "${name}": ${why}`,
      { name, group, kind: plural },
    ),
  invalid: (group: string, kind: string, name: string, causes: StatusCause[]) =>
    new ApiError(
      422,
      'Invalid',
      `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes
        .map((c) => (c.field ? `${c.field}: ${c.message}` : c.message))
        .join(', ')}`,
      { name, group, kind, causes },
    ),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  methodNotAllowed: (method: string) =>
    new ApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource (${method})`,
    ),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  tooLarge: (limit: number) =>
    new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${JSON.stringify(contentType)})`,
    ),
  internal: (message: string) => new ApiError(500, 'InternalError', message),
};

/**
 * Store errors carry a `reason` (src/apiserver/store/errors.ts); map the ones a client can act on.
 * Undefined for anything else (the caller answers 500).
 */
export function fromReasonedError(e: unknown): ApiError | undefined {
  if (!(e instanceof Error) || !('reason' in e)) return undefined;
  switch ((e as { reason: unknown }).reason) {
    case 'TooManyRequests':
      return new ApiError(429, 'TooManyRequests', 'the server is writing too much at once; retry shortly', {
        retryAfterSeconds: 1,
      });
    case 'RequestEntityTooLarge':
      return new ApiError(413, 'RequestEntityTooLarge', e.message);
    case 'StoreClosed':
    case 'StoreFailed':
    case 'StoreUnavailable':
      return new ApiError(503, 'ServiceUnavailable', 'the object store is unavailable');
    default:
      return undefined;
  }
}

/** Server-side apply conflicts, as kubectl prints them ("Apply failed with 1 conflict: ..."). */
export function applyConflictError(
  group: string,
  plural: string,
  name: string,
  conflicts: readonly { manager: string; apiVersion: string; field: string }[],
): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${JSON.stringify(c.manager)} using ${c.apiVersion}`,
    field: c.field,
  }));
  const n = conflicts.length;
  const list = causes.map((c) => `${c.message}: ${c.field}`).join(', ');
  return new ApiError(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${list}`, {
    name,
    group,
    kind: plural,
    causes,
  });
}
