/**
 * Kubernetes quantities (`128Mi`, `1G`, `0.5`, `500m`, `1e3`) parsed exactly, for the two places the
 * API takes them: `resources.memory` (whole bytes for Docker's `Memory`) and `resources.cpus`
 * (whole nano-cores for Docker's `NanoCpus`).
 *
 * Arithmetic is done on BigInt fractions, never on floats, so `0.1` core is exactly 100000000
 * nano-cores and `512m` of memory is recognised as a fraction of a byte (and refused) rather than
 * rounded.
 */

/** One value as numerator / denominator (denominator a power of ten, always > 0). */
interface Exact {
  numerator: bigint;
  denominator: bigint;
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
};
const DECIMAL_EXPONENT: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** Longest quantity text accepted: keeps BigInt work bounded on hostile input. */
const MAX_QUANTITY_LENGTH = 64;
/** Largest decimal exponent accepted in `1e<n>` form (int64 range needs no more). */
const MAX_EXPONENT = 30;

export type QuantityResult = { ok: true; value: Exact } | { ok: false; reason: string };

/** Parses a quantity in Kubernetes syntax. Never throws. */
export function parseQuantity(text: string): QuantityResult {
  if (text.length > MAX_QUANTITY_LENGTH) {
    return { ok: false, reason: `must be at most ${MAX_QUANTITY_LENGTH} characters` };
  }
  const m = QUANTITY.exec(text);
  if (!m) {
    return {
      ok: false,
      reason:
        'must be a quantity: a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or e<n>)',
    };
  }
  const sign = m[1] === '-' ? -1n : 1n;
  const [whole = '', fraction = ''] = (m[2] ?? '').split('.');
  let numerator = BigInt((whole || '0') + fraction) * sign;
  let denominator = 10n ** BigInt(fraction.length);
  const suffix = m[3] ?? '';
  const binary = BINARY[suffix];
  if (binary !== undefined) {
    numerator *= binary;
  } else if (suffix !== '') {
    const exponent = DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) {
      return { ok: false, reason: `exponent must be within -${MAX_EXPONENT}..${MAX_EXPONENT}` };
    }
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  return { ok: true, value: { numerator, denominator } };
}

/** The value times `scale` if that is a whole number, else undefined. */
function wholeMultiple(value: Exact, scale: bigint): bigint | undefined {
  const scaled = value.numerator * scale;
  return scaled % value.denominator === 0n ? scaled / value.denominator : undefined;
}

/** Docker's smallest memory limit (6 MiB); the daemon refuses anything lower. */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
/** Docker's smallest CPU limit, 0.01 core. */
export const MIN_NANO_CPUS = 10_000_000;
/** 1024 cores: more than any daemon this runs on, and far inside int64. */
export const MAX_NANO_CPUS = 1024 * 1_000_000_000;

export type IntegerResult = { ok: true; value: number } | { ok: false; reason: string };

/** `resources.memory` as whole bytes, between 6 MiB and Number.MAX_SAFE_INTEGER. */
export function memoryBytes(text: string): IntegerResult {
  const parsed = parseQuantity(text);
  if (!parsed.ok) return parsed;
  const bytes = wholeMultiple(parsed.value, 1n);
  if (bytes === undefined) {
    return {
      ok: false,
      reason: 'must be a whole number of bytes (use Ki, Mi, Gi or k, M, G; "m" means milli)',
    };
  }
  if (bytes < BigInt(MIN_MEMORY_BYTES)) {
    return { ok: false, reason: 'must be at least 6Mi (the smallest limit Docker accepts)' };
  }
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'is too large' };
  return { ok: true, value: Number(bytes) };
}

/** `resources.cpus` as Docker NanoCpus (1 core = 1e9), between 0.01 and 1024 cores. */
export function nanoCpus(text: string): IntegerResult {
  const parsed = parseQuantity(text);
  if (!parsed.ok) return parsed;
  const nano = wholeMultiple(parsed.value, 1_000_000_000n);
  if (nano === undefined) return { ok: false, reason: 'must not be finer than 1n (one nano-core)' };
  if (nano <= 0n) return { ok: false, reason: 'must be greater than zero' };
  if (nano < BigInt(MIN_NANO_CPUS)) {
    return { ok: false, reason: 'must be at least 10m (0.01 core, the smallest limit Docker accepts)' };
  }
  if (nano > BigInt(MAX_NANO_CPUS)) return { ok: false, reason: 'must be at most 1024 cores' };
  return { ok: true, value: Number(nano) };
}
