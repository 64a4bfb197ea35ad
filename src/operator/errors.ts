/**
 * Why the operator could not start. The CLI prints `ofelia-operator: <message>` (one line) and
 * exits 1; the reason is for logs and tests.
 */
export type StartupFailureReason =
  | 'DockerUnreachable'
  | 'DataDirUnusable'
  | 'ResultsDirUnusable'
  | 'ListenFailed'
  | 'KubeconfigUnusable'
  | 'ApiServerFailed'
  | 'ControllerFailed';

export class StartupError extends Error {
  constructor(
    readonly reason: StartupFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}
