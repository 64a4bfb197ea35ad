/**
 * Shared cron evaluators: one croner `Cron` per (normalized pattern, time zone), never one per job.
 *
 * A croner `Cron` holds about 83 KB of heap (a 10,000-entry year table), paused or not, so 100,000
 * jobs with one each would need ~8 GB. Jobs reference their pattern by value; the evaluator is
 * looked up here on each `next()` and rebuilt on a miss. The cache is a bounded LRU: its memory
 * is capped at `capacity` evaluators whatever the number of jobs (hashed H patterns multiply the
 * distinct patterns), and an evicted pattern only costs a rebuild (~0.1 ms) the next time one of
 * its jobs is re-armed.
 *
 * Each evaluator also memoizes its last answer as a half-open interval: if `next(a) = n` then
 * `next(b) = n` for every `a <= b < n`. Thousands of jobs with the same pattern arming at about
 * the same time then cost one croner walk, not thousands.
 *
 * Year tables: croner fills a 10,000-entry year table even for patterns with no year field
 * (all of ours), and never reads it then (`starYear`). `trimYearTable` drops it, taking an
 * evaluator from ~83 KB to ~3 KB; a start-up self-check compares trimmed and untrimmed answers and
 * turns trimming off (and the default cache down to 128 entries) if a croner release ever starts
 * reading it.
 *
 * DST policy (see docs/scheduling.md): croner runs a fixed-time job (single second, minute and
 * hour, e.g. `30 2 * * *`) whose local time is skipped by spring-forward at the first valid
 * instant after the gap, and skips gap times for interval jobs (`*\/15 * * * *`). On top of that
 * this evaluator drops the second occurrence of any wall time repeated by fall-back, so a
 * repeated local time runs once.
 */
import { Cron } from 'croner';
import { isRepeatedWallTime, isUtcZone } from './time-zone.ts';

export class CronEvaluator {
  readonly pattern: string;
  readonly timeZone: string;
  private readonly cron: Cron;
  private readonly utc: boolean;
  /** `next(x) === memoNext` for every x in [memoAfter, memoNext). NaN when empty. */
  private memoAfter = Number.NaN;
  private memoNext: number | undefined;
  private fires: boolean | undefined;

  /** Throws croner's error for a pattern it cannot parse. */
  constructor(pattern: string, timeZone: string) {
    this.pattern = pattern;
    this.timeZone = timeZone;
    this.utc = isUtcZone(timeZone);
    this.cron = buildCron(pattern, timeZone, this.utc);
    if (yearTableTrimming) trimYearTable(this.cron);
  }

  /**
   * Whether the pattern fires within `windowMs` after `fromMs`. Answered once per evaluator and
   * kept, and without touching the memo (compile asks it from a fixed instant in 2000, which
   * would otherwise evict the answer every job arming now shares).
   */
  firesWithin(fromMs: number, windowMs: number): boolean {
    if (this.fires === undefined) {
      const due = this.walk(fromMs);
      this.fires = due !== undefined && due - fromMs <= windowMs;
    }
    return this.fires;
  }

  /** First due time strictly after `afterMs`, or undefined if the pattern never fires again. */
  next(afterMs: number): number | undefined {
    if (afterMs >= this.memoAfter && (this.memoNext === undefined || afterMs < this.memoNext)) {
      return this.memoNext;
    }
    const due = this.walk(afterMs);
    this.memoAfter = afterMs;
    this.memoNext = due;
    return due;
  }

  private walk(afterMs: number): number | undefined {
    let from = afterMs;
    for (;;) {
      const date = this.cron.nextRun(new Date(from));
      if (date === null) return undefined;
      const due = date.getTime();
      if (this.utc || !isRepeatedWallTime(this.timeZone, due)) return due;
      from = due;
    }
  }
}

function buildCron(pattern: string, timeZone: string, utc: boolean): Cron {
  return new Cron(pattern, {
    paused: true,
    mode: '5-or-6-parts',
    // croner's zone path formats every candidate through Intl (~50 us per next); a fixed offset
    // of 0 takes its arithmetic path (~5 us) and means the same for UTC.
    ...(utc ? { utcOffset: 0 } : { timezone: timeZone }),
  });
}

interface CronPatternInternals {
  year?: unknown;
  starYear?: unknown;
}

/** Drop croner's unused year table (see the header). Returns whether it did. */
function trimYearTable(cron: Cron): boolean {
  const pattern = (cron as unknown as { _states?: { pattern?: CronPatternInternals } })._states?.pattern;
  if (pattern?.starYear !== true || !Array.isArray(pattern.year) || pattern.year.length < 1000) {
    return false;
  }
  pattern.year = [];
  return true;
}

/** Trimmed and untrimmed evaluators must agree on a few patterns, or trimming stays off. */
function trimmingIsSafe(): boolean {
  const from = new Date(Date.UTC(2026, 0, 1));
  const samples: [string, string][] = [
    ['*/7 * * * * *', 'UTC'],
    ['30 2 29 2 *', 'Europe/Berlin'],
    ['0 0 L * MON#2', 'America/New_York'],
  ];
  try {
    for (const [pattern, zone] of samples) {
      const plain = buildCron(pattern, zone, zone === 'UTC');
      const trimmed = buildCron(pattern, zone, zone === 'UTC');
      if (!trimYearTable(trimmed)) return false;
      const want = plain.nextRuns(5, from).map((d) => d.getTime());
      const got = trimmed.nextRuns(5, from).map((d) => d.getTime());
      if (want.length !== 5 || want.join() !== got.join()) return false;
    }
    return true;
  } catch {
    return false;
  }
}

const yearTableTrimming = trimmingIsSafe();
/** Whether evaluators drop croner's unused year table (true unless croner changed). */
export const evaluatorYearTablesTrimmed = yearTableTrimming;

/** Bytes an evaluator holds, roughly (for sizing caches and for the benchmark's report). */
export const EVALUATOR_BYTES_ESTIMATE = yearTableTrimming ? 3_000 : 83_000;
/**
 * Default cache capacity: ~12 MB of evaluators at most (~10 MB untrimmed). `H H` in minute and
 * hour alone makes 1,440 patterns per day-and-month pattern: at 1,024 entries, 10,000 jobs on
 * `H H 1 1 *` evicted and rebuilt evaluators on every re-arm (a tenth of a restart's CPU).
 */
export const DEFAULT_EVALUATOR_CAPACITY = yearTableTrimming ? 4096 : 128;

export interface EvaluatorCacheStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

export class EvaluatorCache {
  readonly capacity: number;
  private readonly entries = new Map<string, CronEvaluator>();
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(capacity = DEFAULT_EVALUATOR_CAPACITY) {
    if (!(capacity >= 1)) throw new RangeError('evaluator cache capacity must be at least 1');
    this.capacity = capacity;
  }

  /** The shared evaluator for (pattern, zone); builds it on a miss. Throws on a bad pattern. */
  get(pattern: string, timeZone: string): CronEvaluator {
    // A newline cannot occur in a normalized pattern, so the key is unambiguous.
    const key = timeZone + '\n' + pattern;
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      // Re-insert to mark as most recently used (Map iteration order is insertion order).
      if (this.entries.size > 1) {
        this.entries.delete(key);
        this.entries.set(key, found);
      }
      return found;
    }
    this.misses++;
    const built = new CronEvaluator(pattern, timeZone);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
        this.evictions++;
      }
    }
    this.entries.set(key, built);
    return built;
  }

  stats(): EvaluatorCacheStats {
    return {
      size: this.entries.size,
      capacity: this.capacity,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
    };
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process-wide cache used when `compileSchedule` is not given one. */
export const sharedEvaluators = new EvaluatorCache();
