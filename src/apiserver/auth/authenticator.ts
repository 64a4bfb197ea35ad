/**
 * The contract between the REST layer and token management: the server asks an Authenticator
 * about each request's bearer token. Implementations compare in constant time and never log tokens.
 */
export interface Principal {
  /** Token id (not the secret) for audit logs. */
  readonly tokenId: string;
  readonly name: string;
}

export interface Authenticator {
  /** The principal for `Authorization: Bearer <token>`, or undefined when missing/unknown/expired. */
  authenticate(bearerToken: string | undefined): Principal | undefined;
  /**
   * Call `listener` with the id of every token that stops being valid (revoked here or by another
   * process, expired), so what was opened with it (watches) can end. Returns the unsubscribe.
   */
  onTokenGone(listener: (tokenId: string) => void): () => void;
}
