/**
 * Kubernetes-style quantities to Docker's units: memory (`128Mi`, `1Gi`, `500M`, `1e9`) to bytes,
 * CPUs (`0.5`, `2`, `500m`) to NanoCpus. Pure; a bad value throws QuantityError naming the field.
 */

export class QuantityError extends Error {
  readonly reason = 'InvalidQuantity';
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(`${field}: "${value}" is not a valid quantity`);
    this.name = 'QuantityError';
  }
}

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The quantity's value as a number (`500m` -> 0.5, `1Ki` -> 1024). */
export function parseQuantity(value: string, field: string): number {
  const m = QUANTITY.exec(value.trim());
  if (!m) throw new QuantityError(field, value);
  const n = Number(m[1]) * SUFFIX[m[2] ?? '']!;
  if (!Number.isFinite(n) || n < 0) throw new QuantityError(field, value);
  return n;
}

/** Memory in bytes (rounded up to a whole byte; Docker wants at least 6 MiB, which it checks itself). */
export function memoryBytes(value: string, field = 'spec.run.resources.memory'): number {
  const n = Math.ceil(parseQuantity(value, field));
  if (n <= 0) throw new QuantityError(field, value);
  return n;
}

/** CPU cores to NanoCpus (`0.5` -> 500000000). */
export function nanoCpus(value: string, field = 'spec.run.resources.cpus'): number {
  const n = Math.round(parseQuantity(value, field) * 1e9);
  if (n <= 0) throw new QuantityError(field, value);
  return n;
}
