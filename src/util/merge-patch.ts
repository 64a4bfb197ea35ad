/**
 * JSON Merge Patch (RFC 7386) as plain data, the one implementation both sides use: the API
 * server applies `application/merge-patch+json` bodies with it, and the controller keeps its
 * in-memory view of a status equal to what the server will hold. Composing two patches into one
 * with the same effect is what lets the status writer keep one pending patch per object however
 * many changes arrive before it is sent.
 *
 * Pure: inputs are never mutated. Results may share unpatched (and patched-in) sub-values with
 * the inputs, so a caller that mutates a result clones it first.
 */
import { isObject } from './json-values.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type MergePatch = { [key: string]: unknown };

/**
 * The patch equivalent to applying `first` then `second`: objects merge key by key, anything else
 * (arrays, scalars, null = delete) in `second` replaces what `first` had.
 */
export function composeMergePatches(first: MergePatch, second: MergePatch): MergePatch {
  const out: MergePatch = { ...first };
  for (const [key, value] of Object.entries(second)) {
    if (value === undefined) continue;
    const previous = out[key];
    out[key] = isObject(value) && isObject(previous) ? composeMergePatches(previous, value) : value;
  }
  return out;
}

/**
 * `patch` applied to `target`: objects merge key by key, `null` deletes, everything else (arrays
 * included) replaces; a patch that is not an object replaces the whole target. Keys whose value
 * is `undefined` (never in parsed JSON, possible in patches built in code) are skipped.
 */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch)) return patch as T;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else out[key] = isObject(value) ? applyMergePatch(out[key], value) : value;
  }
  return out as T;
}
