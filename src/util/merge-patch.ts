/**
 * JSON merge patches (RFC 7386) as plain data: composing two patches into one that has the same
 * effect as applying them in order, which is what lets the status writer keep one pending patch
 * per object however many changes arrive before it is sent.
 */
import { isPlainObject } from './plain-object.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type MergePatch = { [key: string]: unknown };

/**
 * The patch equivalent to applying `first` then `second`: objects merge key by key, anything else
 * (arrays, scalars, null = delete) in `second` replaces what `first` had. Inputs are not modified.
 */
export function composeMergePatches(first: MergePatch, second: MergePatch): MergePatch {
  const out: MergePatch = { ...first };
  for (const [key, value] of Object.entries(second)) {
    if (value === undefined) continue;
    const previous = out[key];
    out[key] = isPlainObject(value) && isPlainObject(previous) ? composeMergePatches(previous, value) : value;
  }
  return out;
}

/** Apply a merge patch to a document (used to keep an in-memory view equal to what the server will hold). */
export function applyMergePatch<T>(target: T, patch: MergePatch): T {
  const base: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete base[key];
    else if (isPlainObject(value)) base[key] = applyMergePatch(base[key], value);
    else base[key] = value;
  }
  return base as T;
}
