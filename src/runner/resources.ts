/**
 * A run's resource limits in Docker's units, through the API's exact quantity rules
 * (src/api/quantity.ts, the same the validator applies). A value the validator would refuse
 * throws QuantityError naming the field, so a job that bypassed validation still fails clearly.
 */
import { memoryBytes as apiMemoryBytes, nanoCpus as apiNanoCpus } from '../api/quantity.ts';

export class QuantityError extends Error {
  readonly reason = 'InvalidQuantity';
  constructor(
    readonly field: string,
    readonly value: string,
    why: string,
  ) {
    super(`${field}: "${value}" ${why}`);
    this.name = 'QuantityError';
  }
}

export function memoryBytes(value: string, field = 'spec.run.resources.memory'): number {
  const r = apiMemoryBytes(value);
  if (!r.ok) throw new QuantityError(field, value, r.reason);
  return r.value;
}

export function nanoCpus(value: string, field = 'spec.run.resources.cpus'): number {
  const r = apiNanoCpus(value);
  if (!r.ok) throw new QuantityError(field, value, r.reason);
  return r.value;
}
