/**
 * A failed delivery, with a `reason` for status, Events and metrics (`Timeout`, `HttpStatus`,
 * `Network`, `SmtpError`, `FileError`, `NotReady`) and a message that never carries the address
 * (it may hold a token) or credentials.
 */
export type DeliveryFailureReason =
  | 'Timeout'
  | 'HttpStatus'
  | 'Network'
  | 'SmtpError'
  | 'FileError'
  | 'NotReady';

export class DeliveryError extends Error {
  constructor(
    readonly reason: DeliveryFailureReason,
    message: string,
    /** False for answers a retry cannot change (4xx other than 408/429). */
    readonly retryable = true,
  ) {
    super(message);
  }
}
