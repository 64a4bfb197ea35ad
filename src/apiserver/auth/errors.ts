/** Errors of token management, each with a `reason`. */

export class TokenLimitError extends Error {
  readonly reason = 'TokenLimitReached';
  constructor(readonly limit: number) {
    super(`cannot create a token: ${limit} live tokens already exist (revoke some first)`);
  }
}

export class TokenInputError extends Error {
  readonly reason = 'Invalid';
}

/** The token file exists but cannot be read or parsed: never treated as "no tokens". */
export class TokenFileError extends Error {
  readonly reason = 'TokenFileUnreadable';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`cannot use the token file ${file}: ${detail}`);
  }
}
