/**
 * Dashboard sessions: a random id in an HttpOnly cookie stands for a user's token, held only in
 * this process's memory (never written, logged or sent back to the browser), with a CSRF token
 * the page must echo on every action.
 * Bounds: at most `maxSessions` (the least recently used goes first), an idle timeout and an
 * absolute lifetime. Time comes from a Clock. Pure apart from the random ids.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../util/clock.ts';

export interface Session {
  readonly id: string;
  readonly csrf: string;
  /** The user's bearer token (used for their Kubernetes API calls only). */
  readonly token: string;
  readonly createdAt: number;
  lastSeen: number;
}

export interface SessionStoreOptions {
  clock: Clock;
  idleMs?: number;
  lifetimeMs?: number;
  maxSessions?: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly lifetimeMs: number;
  private readonly maxSessions: number;

  constructor(private readonly opts: SessionStoreOptions) {
    this.idleMs = opts.idleMs ?? 8 * 3600_000;
    this.lifetimeMs = opts.lifetimeMs ?? 24 * 3600_000;
    this.maxSessions = opts.maxSessions ?? 1000;
  }

  create(token: string): Session {
    const now = this.opts.clock.now();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      token,
      createdAt: now,
      lastSeen: now,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (touched: it moves to the most recently used end). */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.opts.clock.now();
    if (now - s.lastSeen > this.idleMs || now - s.createdAt > this.lifetimeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(session: Session, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
