/**
 * Reading Kubernetes API errors without string matching: the HTTP status code from client-node's
 * `ApiException` (`code`), a watch error (`statusCode`), or our own timeout.
 */

export class KubeRequestTimeoutError extends Error {
  readonly reason = 'Timeout';
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'KubeRequestTimeoutError';
  }
}

/** HTTP status of a failed API call, when there is one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => httpStatusOf(error) === 404;
export const isConflict = (error: unknown): boolean => httpStatusOf(error) === 409;
export const isAlreadyExists = isConflict;

/** A request the server refused for what it is (retrying the same body cannot help). */
export function isPermanentRejection(error: unknown): boolean {
  const code = httpStatusOf(error);
  return code === 400 || code === 415 || code === 422;
}

/** A short, secret-free description of an error for logs and status messages. */
export function describeError(error: unknown): string {
  const code = httpStatusOf(error);
  let message = error instanceof Error ? error.message : String(error);
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: keep the error's own message
    }
  }
  message = message.length > 300 ? `${message.slice(0, 299)}…` : message;
  return code === undefined ? message : `HTTP ${code}: ${message}`;
}
