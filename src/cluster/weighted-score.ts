/**
 * Weighted rendezvous scores (pure): a member of weight w wins a key with probability
 * w / (sum of the weights), by comparing w / -ln(u) over the members, u being the pair's
 * 32-bit score mapped into (0, 1) (the "-w/ln(h)" form of weighted highest-random-weight hashing).
 *
 * Every replica must compute the same owner, bit for bit, or two could both think they own a job.
 * Math.log is only "implementation-approximated" by ECMAScript, so it is not used: ln here takes
 * only +, -, * and / of doubles (rounded exactly as IEEE 754 prescribes on every machine) and a
 * power-of-two scaling (exact), in a fixed order: the same bits on every platform and Node version.
 */

// A constant (the double nearest ln 2, fixed by the spec), not a computed function.
const LN2 = Math.LN2;
const TWO_POW_32 = 4294967296;

/**
 * -ln(u) for u = (score + 0.5) / 2^32, a value in (0, 1): positive, and exact to a few units in
 * the last place. u is split as m * 2^e with m in [0.75, 1.5), then ln(m) = 2 atanh(z),
 * z = (m - 1) / (m + 1) in [-1/7, 1/5], summed to the 25th power of z (below 1e-18 after).
 */
export function negLnUnit(score: number): number {
  let m = (score + 0.5) / TWO_POW_32;
  let e = 0;
  while (m < 0.75) {
    m *= 2;
    e -= 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  // Horner form of 1 + z²/3 + z⁴/5 + ... + z²⁴/25.
  let sum = 1 / 25;
  for (let k = 23; k >= 1; k -= 2) sum = 1 / k + z2 * sum;
  return -(e * LN2 + 2 * z * sum);
}

/** The weighted strength of a (key, member) pair: weight / -ln(u); the highest wins. */
export function weightedStrength(score: number, weight: number): number {
  return weight / negLnUnit(score);
}
