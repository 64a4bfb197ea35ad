/**
 * JSON Merge Patch (RFC 7386), `application/merge-patch+json`: objects merge key by key, `null`
 * deletes, everything else (arrays included) replaces. Pure; never mutates its inputs.
 */
import { isObject } from './json-values.ts';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}
