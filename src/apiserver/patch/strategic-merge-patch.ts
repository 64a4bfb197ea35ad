/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the built-in kinds served
 * here (Namespace, Event, Secret, ConfigMap, Lease), which is what client-side `kubectl apply`
 * sends when it updates them. Their fields are maps and atomic lists except
 * `metadata.finalizers`, a merged primitive list; so this is a merge patch plus the directives
 * kubectl emits: `$patch: replace|delete`, `$retainKeys`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`. Custom resources never get here (a real server answers 415).
 * Pure; never mutates its inputs.
 */
import { isObject } from '../../util/json-values.ts';

export class StrategicMergePatchError extends Error {
  readonly reason = 'BadRequest';
}

/** Paths (dot-joined) of primitive lists whose patch strategy is "merge" (union, order of the patch first). */
const MERGED_PRIMITIVE_LISTS = new Set(['metadata.finalizers']);

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new StrategicMergePatchError('a strategic merge patch must be a JSON object');
  return mergeMap(isObject(target) ? target : {}, patch, '');
}

function mergeMap(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
  path: string,
): Record<string, unknown> | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const rest = Object.fromEntries(Object.entries(patch).filter(([k]) => k !== '$patch'));
  if (directive === 'replace') return stripDirectives(rest) as Record<string, unknown>;
  if (directive !== undefined)
    throw new StrategicMergePatchError(`unknown patch directive ${JSON.stringify(directive)}`);

  let out: Record<string, unknown> = { ...target };
  const retain = rest.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new StrategicMergePatchError('$retainKeys must be a list');
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k)));
  }
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(value)) throw new StrategicMergePatchError(`${key} must be a list`);
      const current = out[field];
      if (Array.isArray(current)) out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    if (key.startsWith('$'))
      throw new StrategicMergePatchError(`unknown patch directive ${JSON.stringify(key)}`);
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      const merged = mergeMap(
        isObject(out[key]) ? (out[key] as Record<string, unknown>) : {},
        value,
        childPath,
      );
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value) && MERGED_PRIMITIVE_LISTS.has(childPath)) {
      const current = Array.isArray(out[key]) ? (out[key] as unknown[]) : [];
      out[key] = [...new Set([...value, ...current])];
    } else {
      out[key] = stripDirectives(value);
    }
  }
  return out;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return structuredClone(v);
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, x]) => [k, stripDirectives(x)]),
  );
}
