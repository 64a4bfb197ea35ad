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
 *
 * The result is built key by key on a fresh object, neither spread (`{ ...target }`) nor copied
 * then `delete`d: the controller keeps every job's status as a chain of these results, and in
 * this V8 a spread copy of an object that was itself built by adding keys gets a hidden class of
 * its own (about 400 bytes per job measured), while `delete` turns an object into a dictionary.
 * Added keys share hidden classes through V8's transition tree, as JSON.parse's objects do.
 */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch)) return patch as T;
  const out: Record<string, unknown> = {};
  if (isObject(target))
    for (const key of Object.keys(target)) if (patch[key] !== null) setOwn(out, key, target[key]);
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === undefined || value === null) continue;
    setOwn(out, key, isObject(value) ? applyMergePatch(out[key], value) : value);
  }
  return out as T;
}

/** `out[key] = value` as an own data property, `__proto__` included (a plain store would set the prototype). */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
