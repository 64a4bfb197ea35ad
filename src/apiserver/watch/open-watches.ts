/**
 * The watches a server has open, by the token that opened them: the bounds on how many may be
 * open (in total and per token, so one client cannot take every slot), ending those of a token
 * that was revoked or expired, and ending all of them at shutdown.
 * In: `admit(tokenId)` before a watch starts, `add`/`delete` around its life. Out: a 429 when a
 * bound is reached; `endToken`/`endAll` call each watch's end. Never: holds a watch it was not told about.
 */
import { ApiError } from '../status-errors.ts';
import type { EndWatch } from './watch-stream.ts';

export interface WatchLimits {
  /** Watches open at once over all tokens. */
  maxWatches: number;
  /** Watches open at once with one token. */
  maxWatchesPerToken: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { maxWatches: 1000, maxWatchesPerToken: 200 };

export class OpenWatches {
  private readonly byToken = new Map<string, Set<EndWatch>>();
  private total = 0;

  constructor(private readonly limits: WatchLimits) {}

  /** Throws a 429 when one more watch with this token would pass a bound. */
  admit(tokenId: string): void {
    const mine = this.byToken.get(tokenId)?.size ?? 0;
    if (this.total >= this.limits.maxWatches)
      throw tooMany(`too many watches are open (${this.total}); retry shortly`);
    if (mine >= this.limits.maxWatchesPerToken)
      throw tooMany(`too many watches are open with this token (${mine}); retry shortly`);
  }

  add(tokenId: string, end: EndWatch): void {
    let set = this.byToken.get(tokenId);
    if (!set) {
      set = new Set();
      this.byToken.set(tokenId, set);
    }
    if (set.has(end)) return;
    set.add(end);
    this.total++;
  }

  delete(tokenId: string, end: EndWatch): void {
    const set = this.byToken.get(tokenId);
    if (!set?.delete(end)) return;
    this.total--;
    if (set.size === 0) this.byToken.delete(tokenId);
  }

  /** End every watch opened with this token (it was revoked or expired). Returns how many. */
  endToken(tokenId: string): number {
    const set = this.byToken.get(tokenId);
    if (!set) return 0;
    const ends = [...set];
    for (const end of ends) {
      this.delete(tokenId, end);
      end();
    }
    return ends.length;
  }

  endAll(): void {
    for (const tokenId of [...this.byToken.keys()]) this.endToken(tokenId);
  }

  get size(): number {
    return this.total;
  }
}

function tooMany(message: string): ApiError {
  return new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds: 1 });
}
