/**
 * A run that ends before (or instead of) a container's exit: the result and reason it maps to.
 * Thrown inside the run flow, turned into a RunRecord by JobRunner; never escapes it.
 */
import type { RunResult } from '../api/schema.ts';

export class RunFailure extends Error {
  constructor(
    readonly result: Exclude<RunResult, 'Succeeded'>,
    readonly reason: string,
    message: string,
    readonly details: { exitCode?: number; containerId?: string } = {},
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}
