/**
 * Stable string hashing for H fields, @every phases and jitter.
 *
 * The values must never change between releases or processes: a job's hashed minute, its @every
 * phase and its jitter are derived from them, and a restarted operator must compute the same due
 * times. So: FNV-1a over UTF-16 code units (no platform dependence), finished with the murmur3
 * avalanche so that keys differing in one character land far apart.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over the string's UTF-16 code units. Unsigned result. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole output. Unsigned result. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-spread, stable 32-bit hash of `text`, optionally salted (salt is a small integer). */
export function stableHash(text: string, salt = 0): number {
  return mix32(fnv1a32(text) ^ Math.imul(salt + 1, 0x9e3779b1));
}
