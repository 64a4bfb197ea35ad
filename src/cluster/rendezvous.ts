/**
 * Rendezvous (highest-random-weight) hashing: which member of a set owns a key.
 *
 * Every (key, member) pair gets a pseudo-random 32-bit score; the member with the highest score
 * owns the key. Each replica computes this from the same inputs (the job's uid and the set of
 * live members' names) and so reaches the same answer with no coordination; when a member
 * leaves, only its keys move (each to the runner-up of that key); when one joins, only the keys
 * it now wins move to it: about 1/N of them, the minimum.
 * Weighted members (a replica's advertised weight): a member of weight w wins about w / (sum of
 * weights) of the keys (src/cluster/weighted-score.ts); joins and leaves still move only the keys
 * they must.
 * Pure and deterministic: no clock, no randomness, the same result on every machine and version
 * of Node (32-bit integer arithmetic; with weights, only exactly rounded double operations).
 * Ties (one in 2^32 per pair) go to the smaller name.
 */
import { fnv1a32, mix32 } from '../schedule/hash.ts';
import { weightedStrength } from './weighted-score.ts';

/**
 * 32-bit hash of a string: FNV-1a over UTF-16 code units, finished by murmur3's fmix32: the parts
 * of the schedule's stable hash (src/schedule/hash.ts), whose values never change between versions.
 */
export function hashString(s: string): number {
  return mix32(fnv1a32(s));
}

/** The score of one (key, member) pair from their hashes: a murmur3 block mix, then fmix32. */
export function score(keyHash: number, memberHash: number): number {
  let k = Math.imul(memberHash, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = keyHash ^ k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  return mix32(h);
}

/** A member set prepared for many lookups: names sorted, hashes (and weights) computed once. */
export class RendezvousSet {
  readonly names: readonly string[];
  private readonly hashes: Uint32Array;
  /** Per member (same order as names); all 1 when the set is uniform. */
  private readonly weights: Float64Array;
  /**
   * All weights equal: the 32-bit score decides (integer arithmetic only); otherwise the weighted
   * strength (src/cluster/weighted-score.ts). Equal weights give the same owners either way.
   */
  readonly uniform: boolean;

  /** `weights`: a positive weight per member name (missing: 1). */
  constructor(names: Iterable<string>, weights?: ReadonlyMap<string, number>) {
    this.names = [...new Set(names)].sort();
    this.hashes = Uint32Array.from(this.names, hashString);
    this.weights = Float64Array.from(this.names, (n) => weights?.get(n) ?? 1);
    this.uniform = this.weights.every((w) => w === this.weights[0]);
  }

  get size(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.indexOf(name) >= 0;
  }

  /** The weight of a member (1 when not given), or undefined when not a member. */
  weightOf(name: string): number | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.weights[i];
  }

  /** The owner of `key`, or undefined for an empty set. */
  ownerOf(key: string): string | undefined {
    return this.ownerOfHash(hashString(key));
  }

  /** As ownerOf, for a key hashed already (hashString). */
  ownerOfHash(keyHash: number): string | undefined {
    const best = this.ownerIndexOfHash(keyHash);
    return best < 0 ? undefined : this.names[best];
  }

  /** The index (into names) of the owner of a hashed key, -1 for an empty set. */
  ownerIndexOfHash(keyHash: number): number {
    let best = -1;
    let bestStrength = -1;
    for (let i = 0; i < this.hashes.length; i++) {
      const s = this.strength(keyHash, i);
      // Names are sorted, so on a tie the first (smaller) name stays.
      if (s > bestStrength) {
        bestStrength = s;
        best = i;
      }
    }
    return best;
  }

  /**
   * How strongly member `index` claims a hashed key: comparable between the members of THIS set
   * (the score when uniform, the weighted strength otherwise); the highest wins, ties go to the
   * smaller name.
   */
  strength(keyHash: number, index: number): number {
    const s = score(keyHash, this.hashes[index]!);
    return this.uniform ? s : weightedStrength(s, this.weights[index]!);
  }

  /** The index of a member name, or -1. */
  indexOf(name: string): number {
    let lo = 0;
    let hi = this.names.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.names[mid]!;
      if (n === name) return mid;
      if (n < name) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
