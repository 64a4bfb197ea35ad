/**
 * Opaque `continue` tokens for paged lists: base64url JSON of the list's resourceVersion and the
 * last key returned. The next page lists keys after it from the current state (the server keeps
 * no snapshots, so a page may see writes made between pages).
 */
import { errors } from '../status-errors.ts';

export interface ContinuePosition {
  rv: number;
  after: string;
}

export function encodeContinue(pos: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 1, rv: pos.rv, k: pos.after }), 'utf8').toString('base64url');
}

export function decodeContinue(token: string): ContinuePosition {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      v?: unknown;
      rv?: unknown;
      k?: unknown;
    };
    if (raw.v === 1 && typeof raw.rv === 'number' && typeof raw.k === 'string')
      return { rv: raw.rv, after: raw.k };
  } catch {
    // fall through: any malformed token is the same client error
  }
  throw errors.badRequest('invalid continue token');
}
