/**
 * Errors the WAL store raises, each with a `reason` (StoreConflictError lives in object-store.ts,
 * beside the contract). The REST layer maps reasons to HTTP: TooManyRequests -> 429,
 * RequestEntityTooLarge -> 413, the rest -> 500/503.
 */

/** The data directory cannot be opened: unreadable, not a directory, locked by another process. */
export class StoreOpenError extends Error {
  readonly reason = 'StoreUnavailable';
  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(`cannot open the store in ${dir}: ${detail}`);
  }
}

/** A write was attempted after close() (or before open()). */
export class StoreClosedError extends Error {
  readonly reason = 'StoreClosed';
  constructor() {
    super('the store is not open');
  }
}

/**
 * Writing or fsyncing the log failed. After a failed fsync the kernel may have dropped the dirty
 * pages, so whether earlier bytes reached the disk is unknown: the store refuses every later
 * write (fail-stop) rather than acknowledge data it cannot vouch for. Restarting recovers from disk.
 */
export class StoreWriteError extends Error {
  readonly reason = 'StoreFailed';
  constructor(
    readonly file: string,
    readonly causeMessage: string,
  ) {
    super(`the store stopped accepting writes after an I/O error on ${file}: ${causeMessage}`);
  }
}

export class StoreRecordTooLargeError extends Error {
  readonly reason = 'RequestEntityTooLarge';
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`object ${key} is ${bytes} bytes encoded, more than the store's limit of ${limit} bytes`);
  }
}

/** Too many bytes are already queued for the disk; the caller should back off. */
export class StoreOverloadedError extends Error {
  readonly reason = 'TooManyRequests';
  constructor(readonly queuedBytes: number) {
    super(`the store has ${queuedBytes} bytes waiting for the disk; try again later`);
  }
}

/** A snapshot file that fails validation (recovery then falls back to an older snapshot). */
export class SnapshotCorruptError extends Error {
  readonly reason = 'SnapshotCorrupt';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`snapshot ${file} is unusable: ${detail}`);
  }
}
