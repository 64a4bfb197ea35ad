/**
 * Errors of the Docker layer, as classes with a `reason` that the runner maps onto run results.
 * Guards (`instanceof`, `isDaemonFault`) decide, never string matching on messages.
 */

/** The daemon cannot be reached or keeps failing: the breaker is open or the bulkhead is full. */
export class DaemonUnavailableError extends Error {
  readonly reason = 'DaemonUnavailable';
  constructor(
    readonly daemon: string,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonUnavailableError';
  }
}

/**
 * The daemon answered with an HTTP error status (404, 409, 500 ...). `message` is the daemon's own;
 * `statusCode` and `json` (the parsed answer) are what docker-modem's errors carry, so dockerode
 * callers find them where they expect them.
 */
export class DockerApiError extends Error {
  readonly reason: string;
  constructor(
    readonly daemon: string,
    readonly operation: string,
    readonly statusCode: number,
    message: string,
    readonly json?: unknown,
  ) {
    super(message);
    this.name = 'DockerApiError';
    this.reason = reasonForStatus(statusCode);
  }
}

/** No answer in time (connect, response headers, or the whole request). */
export class DockerTimeoutError extends Error {
  readonly reason = 'DockerTimeout';
  constructor(
    readonly daemon: string,
    readonly operation: string,
    readonly phase: 'connect' | 'headers' | 'request',
    readonly timeoutMs: number,
  ) {
    super(
      `${operation} on daemon "${daemon}": no ${phase === 'request' ? 'complete answer' : phase} within ${timeoutMs} ms`,
    );
    this.name = 'DockerTimeoutError';
  }
}

/** The connection failed or broke (ECONNREFUSED, ENOENT on the socket, reset ...). */
export class DockerTransportError extends Error {
  readonly reason = 'DockerTransport';
  constructor(
    readonly daemon: string,
    readonly operation: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DockerTransportError';
  }
}

function reasonForStatus(status: number): string {
  switch (status) {
    case 304:
      return 'NotModified';
    case 400:
      return 'BadRequest';
    case 401:
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 409:
      return 'Conflict';
    default:
      return status >= 500 ? 'DaemonError' : 'ApiError';
  }
}

/**
 * Whether an error says the daemon is unwell (counts toward the breaker): transport errors,
 * timeouts and 5xx answers. A 404 or 409 is the daemon working and answering.
 */
export function isDaemonFault(e: unknown): boolean {
  if (e instanceof DockerTransportError || e instanceof DockerTimeoutError) return true;
  if (e instanceof DockerApiError) return e.statusCode >= 500;
  return false;
}

export function isNotFound(e: unknown): e is DockerApiError {
  return e instanceof DockerApiError && e.statusCode === 404;
}

export function isConflict(e: unknown): e is DockerApiError {
  return e instanceof DockerApiError && e.statusCode === 409;
}
