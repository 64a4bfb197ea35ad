/**
 * TokenStore: bearer tokens for the embedded API server, and its Authenticator.
 *
 * In: `create({ name, ttlSeconds })`, `revoke(idOrName)`, `authenticate(bearer)`.
 * Out: a new token once (never stored or shown again), token metadata without secrets, principals.
 * Stored: `tokens.json` in the data dir (0600, atomic rename) with id, name, sha256 of the token,
 * created and expiry times. Never: stores, logs or returns a secret after `create`.
 *
 * Decisions (docs/security.md):
 * - TTL: default 30 days; `ttlSeconds: 0` means never expires (an explicit, visible choice).
 * - Comparison: the presented token's sha256 is compared with `timingSafeEqual` against the hash
 *   stored for the id it names (a dummy hash when the id is unknown, so both paths do the same work).
 * - Expiry: checked on every authenticate; expired entries are also swept from the file by ONE
 *   timer armed for the nearest expiry (capped at an hour), never one timer per token.
 * - Several processes: the `token` CLI edits the file while a server runs. The server re-stats the
 *   file at most once per `reloadIntervalMs` (default 1 s) on authenticate — and, with
 *   `pollFile`, on a timer of that interval, so a revoke ends watches even when no request
 *   arrives — and reloads it when its inode, size or mtime changed, so a token revoked by the CLI
 *   stops working within a second. A token naming an id the server does not know re-stats the
 *   file at once (one stat, a reload only when the file changed), so a token the CLI has just
 *   created works on its first request: a login right after `token create` was refused for up to
 *   a second. fs.watch was not used: it misses changes on some file
 *   systems and in bind mounts. Every writer re-reads the file just before changing it (a small
 *   read-modify-write window between two simultaneous writers remains; writes are rare and
 *   human-driven).
 * - Ownership: the file is only written by the user that owns it (or the data directory when it
 *   does not exist yet). Another user gets a TokenFileError: a file the server cannot read would
 *   be ignored by it, so a "revoked" token would stay valid. root may write it, and the file keeps
 *   its owner.
 * - Rotation: `retire` shortens the life of a token to a grace period instead of revoking it, so
 *   clients holding it re-read their kubeconfig before it stops working.
 * - Every token that stops being valid (revoked, retired and past its grace, expired, removed by
 *   another process) is announced once to `onTokenGone` listeners.
 */
import crypto from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Logger, silentLogger } from '../../log/logger.ts';
import { type Clock, systemClock, type TimerHandle } from '../../util/clock.ts';
import { ensurePrivateDir, writeFileAtomic } from '../store/store-files.ts';
import type { Authenticator, Principal } from './authenticator.ts';
import { TokenFileError, TokenInputError, TokenLimitError } from './errors.ts';
import { hashToken, newToken, newTokenId, tokenIdOf } from './token-format.ts';

export const TOKEN_FILE = 'tokens.json';
export const DEFAULT_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_MAX_TOKENS = 1000;
const MAX_SWEEP_DELAY_MS = 3600 * 1000;
const NAME_RE = /^[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?$/;
/** Compared against when a token names an unknown id, so a miss costs what a hit costs. */
const DUMMY_HASH = hashToken('ofo_0000000000000000_unknown');

export interface TokenStoreOptions {
  dir: string;
  clock?: Clock;
  logger?: Logger;
  defaultTtlSeconds?: number;
  maxTokens?: number;
  /** Minimum time between two checks of the file for outside changes (default 1000 ms). */
  reloadIntervalMs?: number;
  /** Also check the file on a timer every reloadIntervalMs (a server does; the CLI does not). */
  pollFile?: boolean;
}

export interface TokenInfo {
  id: string;
  name: string;
  createdAt: string;
  /** ISO time, or null for a token that never expires. */
  expiresAt: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The secret: shown once, never stored. */
  token: string;
}

interface TokenRecord {
  id: string;
  name: string;
  hash: Buffer;
  createdAt: number;
  expiresAt: number | null;
  /** `read` = read-only (see Principal.scope); absent = full access. */
  scope?: 'read';
}

interface FileIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
}

export class TokenStore implements Authenticator {
  private readonly file: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly defaultTtlSeconds: number;
  private readonly maxTokens: number;
  private readonly reloadIntervalMs: number;
  private tokens = new Map<string, TokenRecord>();
  private seen: FileIdentity | undefined;
  private lastCheck = Number.NEGATIVE_INFINITY;
  private sweep: { handle: TimerHandle; at: number } | undefined;
  /** Serialises this process's writes to the file. */
  private writing: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly goneListeners = new Set<(tokenId: string) => void>();
  private poll: NodeJS.Timeout | undefined;

  private constructor(opts: TokenStoreOptions) {
    this.file = join(opts.dir, TOKEN_FILE);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'tokens' });
    this.defaultTtlSeconds = opts.defaultTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    this.maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.reloadIntervalMs = opts.reloadIntervalMs ?? 1000;
  }

  /** Load (or start) the token file in `dir`; throws TokenFileError when it exists but is unusable. */
  static async open(opts: TokenStoreOptions): Promise<TokenStore> {
    await ensurePrivateDir(opts.dir);
    const store = new TokenStore(opts);
    store.load();
    store.armSweep();
    if (opts.pollFile) store.armPoll();
    return store;
  }

  onTokenGone(listener: (tokenId: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  authenticate(bearerToken: string | undefined): Principal | undefined {
    if (!bearerToken) return undefined;
    this.reloadIfChanged();
    const id = tokenIdOf(bearerToken);
    let record = id === undefined ? undefined : this.tokens.get(id);
    if (id !== undefined && !record) {
      // A token id we do not know may have been created by the CLI since the last check: look at
      // the file now rather than refuse a fresh token for up to reloadIntervalMs.
      this.reloadIfChanged(true);
      record = this.tokens.get(id);
    }
    const matches = crypto.timingSafeEqual(hashToken(bearerToken), record?.hash ?? DUMMY_HASH);
    if (!record || !matches || this.isExpired(record)) return undefined;
    return record.scope
      ? { tokenId: record.id, name: record.name, scope: record.scope }
      : { tokenId: record.id, name: record.name };
  }

  list(): TokenInfo[] {
    this.reloadIfChanged(true);
    return [...this.tokens.values()]
      .filter((t) => !this.isExpired(t))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map(info);
  }

  async create(req: { name: string; ttlSeconds?: number; scope?: 'read' }): Promise<CreatedToken> {
    if (!NAME_RE.test(req.name)) {
      throw new TokenInputError(
        `invalid token name "${req.name}": use 1-63 lower-case letters, digits, '-', '.', '_'`,
      );
    }
    const ttl = req.ttlSeconds ?? this.defaultTtlSeconds;
    if (!Number.isSafeInteger(ttl) || ttl < 0) {
      throw new TokenInputError(`invalid ttl ${ttl}: whole seconds >= 0 (0 = never expires)`);
    }
    return this.mutate(() => {
      const live = [...this.tokens.values()].filter((t) => !this.isExpired(t)).length;
      if (live >= this.maxTokens) throw new TokenLimitError(this.maxTokens);
      const id = newTokenId();
      const token = newToken(id);
      const now = this.clock.now();
      const record: TokenRecord = {
        id,
        name: req.name,
        hash: hashToken(token),
        createdAt: now,
        expiresAt: ttl === 0 ? null : now + ttl * 1000,
        ...(req.scope ? { scope: req.scope } : {}),
      };
      this.tokens.set(id, record);
      this.log.info({ id, name: record.name, expiresAt: info(record).expiresAt }, 'token created');
      return { ...info(record), token };
    });
  }

  /** Revoke the token with this id, or every token with this name; returns what was revoked. */
  async revoke(idOrName: string): Promise<TokenInfo[]> {
    return this.mutate(() => {
      const gone = [...this.tokens.values()].filter((t) => t.id === idOrName || t.name === idOrName);
      for (const t of gone) this.tokens.delete(t.id);
      if (gone.length > 0) this.log.info({ ids: gone.map((t) => t.id), name: idOrName }, 'tokens revoked');
      return gone.map(info);
    });
  }

  /**
   * Let the tokens with this name (except `keepId`) live at most `graceSeconds` more: a rotation
   * that does not lock out clients still holding them. Returns the tokens whose expiry moved.
   */
  async retire(name: string, graceSeconds: number, keepId?: string): Promise<TokenInfo[]> {
    return this.mutate(() => {
      const until = this.clock.now() + graceSeconds * 1000;
      const moved: TokenRecord[] = [];
      for (const t of this.tokens.values()) {
        if (t.name !== name || t.id === keepId) continue;
        if (t.expiresAt !== null && t.expiresAt <= until) continue;
        t.expiresAt = until;
        moved.push(t);
      }
      if (moved.length > 0)
        this.log.info({ ids: moved.map((t) => t.id), name, graceSeconds }, 'tokens retired');
      return moved.map(info);
    });
  }

  /** Metadata of a live token by id (no secret), or undefined. */
  get(id: string): TokenInfo | undefined {
    const t = this.tokens.get(id);
    return t && !this.isExpired(t) ? info(t) : undefined;
  }

  close(): void {
    this.closed = true;
    if (this.sweep) this.clock.clearTimeout(this.sweep.handle);
    this.sweep = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
  }

  // --- file ---

  /** Read-modify-write under this process's write lock, re-reading the file first. */
  private mutate<T>(change: () => T): Promise<T> {
    const run = this.writing.then(async () => {
      // Taken before the re-read: tokens another process removed since are announced too.
      const before = new Set(this.tokens.keys());
      this.load();
      const result = change();
      this.removeExpired();
      await this.save();
      this.armSweep();
      this.announceGone(before);
      return result;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  private load(): void {
    let text: string;
    let identity: FileIdentity;
    try {
      const st = statSync(this.file);
      identity = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.tokens = new Map();
        this.seen = undefined;
        return;
      }
      throw new TokenFileError(this.file, (e as Error).message);
    }
    this.tokens = parseTokenFile(this.file, text);
    this.seen = identity;
  }

  private reloadIfChanged(force = false): void {
    const now = this.clock.now();
    if (!force && now - this.lastCheck < this.reloadIntervalMs) return;
    this.lastCheck = now;
    let current: FileIdentity | undefined;
    try {
      const st = statSync(this.file);
      current = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      current = undefined;
    }
    const same =
      current?.ino === this.seen?.ino &&
      current?.size === this.seen?.size &&
      current?.mtimeMs === this.seen?.mtimeMs;
    if (same) return;
    try {
      const before = new Set(this.tokens.keys());
      this.load();
      this.armSweep();
      this.log.info({ tokens: this.tokens.size }, 'token file reloaded');
      this.announceGone(before);
    } catch (e) {
      // Keep serving the tokens known so far rather than lock everyone out on a bad edit.
      this.log.error({ err: e, file: this.file }, 'token file reload failed');
    }
  }

  private async save(): Promise<void> {
    const body = {
      version: 1,
      tokens: [...this.tokens.values()].map((t) => ({
        id: t.id,
        name: t.name,
        sha256: t.hash.toString('hex'),
        createdAt: new Date(t.createdAt).toISOString(),
        expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
        ...(t.scope ? { scope: t.scope } : {}),
      })),
    };
    const owner = this.writableOwner();
    await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`, { owner });
    const st = statSync(this.file);
    this.seen = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  }

  /**
   * The owner the file must keep: refuses a user that does not own it (the server, running as the
   * owner, could not read what another user writes); root writes on the owner's behalf.
   */
  private writableOwner(): { uid: number; gid: number } | undefined {
    const euid = process.geteuid?.();
    if (euid === undefined) return undefined;
    let st: { uid: number; gid: number };
    try {
      st = statSync(this.file);
    } catch {
      st = statSync(dirname(this.file));
    }
    if (st.uid === euid) return undefined;
    if (euid === 0) return { uid: st.uid, gid: st.gid };
    throw new TokenFileError(
      this.file,
      `owned by uid ${st.uid}, not by this user (uid ${euid}): run token commands as the user the API server runs as, or the server would keep using its old tokens`,
    );
  }

  /** Tell listeners about tokens that were live before a change and are not any more. */
  private announceGone(before: Set<string>): void {
    if (this.goneListeners.size === 0) return;
    for (const id of before) {
      const t = this.tokens.get(id);
      if (t && !this.isExpired(t)) continue;
      for (const listener of [...this.goneListeners]) {
        try {
          listener(id);
        } catch (e) {
          this.log.error({ err: e }, 'token-gone listener failed');
        }
      }
    }
  }

  /**
   * Real time, not the injected clock: another process changes the file in real time, and a fake
   * clock advanced by days must not replay a million polls.
   */
  private armPoll(): void {
    if (this.closed) return;
    this.poll = setInterval(() => this.reloadIfChanged(true), this.reloadIntervalMs);
    this.poll.unref();
  }

  // --- expiry ---

  private isExpired(t: TokenRecord): boolean {
    return t.expiresAt !== null && t.expiresAt <= this.clock.now();
  }

  private removeExpired(): number {
    let removed = 0;
    for (const t of [...this.tokens.values()]) {
      if (this.isExpired(t)) {
        this.tokens.delete(t.id);
        removed++;
      }
    }
    return removed;
  }

  /** Keep exactly one timer, due at the nearest expiry (at most an hour away). */
  private armSweep(): void {
    if (this.closed) return;
    let nearest = Number.POSITIVE_INFINITY;
    for (const t of this.tokens.values()) if (t.expiresAt !== null) nearest = Math.min(nearest, t.expiresAt);
    if (nearest === Number.POSITIVE_INFINITY) {
      if (this.sweep) this.clock.clearTimeout(this.sweep.handle);
      this.sweep = undefined;
      return;
    }
    const now = this.clock.now();
    const at = Math.min(Math.max(nearest, now), now + MAX_SWEEP_DELAY_MS);
    if (this.sweep && this.sweep.at <= at) return;
    if (this.sweep) this.clock.clearTimeout(this.sweep.handle);
    const handle = this.clock.setTimeout(() => this.onSweep(), at - now);
    this.sweep = { handle, at };
  }

  private onSweep(): void {
    this.sweep = undefined;
    if (this.closed) return;
    const expired = [...this.tokens.values()].filter((t) => this.isExpired(t));
    if (expired.length === 0) {
      this.armSweep();
      return;
    }
    // Announced before the file is rewritten, so watches end on time even if the write fails.
    const live = new Set(expired.map((t) => t.id));
    for (const t of expired) this.tokens.delete(t.id);
    this.announceGone(live);
    this.mutate(() => undefined).catch((e: unknown) => {
      this.log.error({ err: e, file: this.file }, 'token sweep failed');
      // Retried later, not at once: the expired tokens are already refused by authenticate.
      this.sweep = {
        handle: this.clock.setTimeout(() => this.onSweep(), MAX_SWEEP_DELAY_MS),
        at: this.clock.now() + MAX_SWEEP_DELAY_MS,
      };
    });
  }
}

function info(t: TokenRecord): TokenInfo {
  return {
    id: t.id,
    name: t.name,
    createdAt: new Date(t.createdAt).toISOString(),
    expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
  };
}

function parseTokenFile(file: string, text: string): Map<string, TokenRecord> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TokenFileError(file, `not JSON: ${(e as Error).message}`);
  }
  const body = parsed as { version?: unknown; tokens?: unknown };
  if (body?.version !== 1 || !Array.isArray(body.tokens)) {
    throw new TokenFileError(file, 'expected {"version": 1, "tokens": [...]}');
  }
  const out = new Map<string, TokenRecord>();
  for (const [i, raw] of body.tokens.entries()) {
    const t = raw as Record<string, unknown>;
    const createdAt = Date.parse(String(t.createdAt));
    const expiresAt = t.expiresAt === null ? null : Date.parse(String(t.expiresAt));
    if (
      typeof t.id !== 'string' ||
      typeof t.name !== 'string' ||
      typeof t.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(t.sha256) ||
      Number.isNaN(createdAt) ||
      (expiresAt !== null && Number.isNaN(expiresAt))
    ) {
      throw new TokenFileError(file, `entry ${i} is malformed`);
    }
    if (t.scope !== undefined && t.scope !== 'read')
      throw new TokenFileError(file, `entry ${i}: unknown scope`);
    out.set(t.id, {
      id: t.id,
      name: t.name,
      hash: Buffer.from(t.sha256, 'hex'),
      createdAt,
      expiresAt,
      ...(t.scope === 'read' ? { scope: 'read' as const } : {}),
    });
  }
  return out;
}
