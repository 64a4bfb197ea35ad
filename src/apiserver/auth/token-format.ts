/**
 * Bearer tokens: `ofo_<id>_<secret>` — a recognisable prefix (secret scanners and people can tell
 * what leaked), a 16-hex-digit id (not secret: it names the token in lists, logs and revoke), and
 * 32 random bytes in base64url. Only sha256(token) is stored.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'ofo_';
const ID_RE = /^[0-9a-f]{16}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;

export function newTokenId(): string {
  return randomBytes(8).toString('hex');
}

export function newToken(id: string): string {
  return `${TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
}

/** The id a well-formed token names, or undefined for anything else. */
export function tokenIdOf(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const id = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 16);
  if (token[TOKEN_PREFIX.length + 16] !== '_') return undefined;
  const secret = token.slice(TOKEN_PREFIX.length + 17);
  return ID_RE.test(id) && SECRET_RE.test(secret) ? id : undefined;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
