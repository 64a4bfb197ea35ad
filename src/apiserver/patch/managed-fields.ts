/**
 * Field ownership (`metadata.managedFields`, format FieldsV1) as server-side apply needs it.
 *
 * A field set is the set of leaf paths a manager owns. Objects are maps (each key a path step);
 * arrays are atomic (a list is owned whole, as for custom resources without x-kubernetes-list-type);
 * scalars and empty objects are leaves. Entries are keyed by (manager, operation, subresource).
 * Pure: takes objects and the time, returns new entries; never mutates its inputs.
 */
import { isObject, jsonEqual } from '../../util/json-values.ts';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** A path encoded as its steps joined by NUL (keys can hold any other character). */
export type FieldPath = string;
const SEP = '\u0000';

export function pathKey(steps: readonly string[]): FieldPath {
  return steps.join(SEP);
}

export function pathSteps(path: FieldPath): string[] {
  return path === '' ? [] : path.split(SEP);
}

/** `.spec.schedule` (how conflicts name a field). */
export function dottedPath(path: FieldPath): string {
  return pathSteps(path)
    .map((s) => `.${s}`)
    .join('');
}

/** Server-owned metadata that never enters a field set. */
const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

/** Which part of an object a write may own: the main resource (all but status) or the status subresource. */
export type FieldScope = 'main' | 'status';

function inScope(top: string, scope: FieldScope): boolean {
  if (scope === 'status') return top === 'status';
  return top !== 'status' && top !== 'apiVersion' && top !== 'kind';
}

/** Leaf paths of `obj` within `scope`. */
export function leafPaths(obj: unknown, scope: FieldScope): Set<FieldPath> {
  const out = new Set<FieldPath>();
  if (!isObject(obj)) return out;
  const walk = (v: unknown, steps: string[]) => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, [...steps, k]);
    } else out.add(pathKey(steps));
  };
  for (const [top, v] of Object.entries(obj)) {
    if (!inScope(top, scope)) continue;
    if (top === 'metadata' && isObject(v)) {
      for (const [k, child] of Object.entries(v)) if (!SERVER_METADATA.has(k)) walk(child, ['metadata', k]);
    } else walk(v, [top]);
  }
  return out;
}

/** The value at a path, or undefined. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur = obj;
  for (const s of pathSteps(path)) {
    if (!isObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

/** Remove the value at `path` from `obj` (mutates), pruning objects the removal leaves empty (never top-level ones). */
export function removeAt(obj: Record<string, unknown>, path: FieldPath): void {
  const steps = pathSteps(path);
  const chain: Record<string, unknown>[] = [obj];
  let cur: unknown = obj;
  for (const s of steps.slice(0, -1)) {
    if (!isObject(cur)) return;
    cur = cur[s];
    if (!isObject(cur)) return;
    chain.push(cur);
  }
  delete chain[chain.length - 1]![steps[steps.length - 1]!];
  for (let i = chain.length - 1; i >= 2; i--) {
    if (Object.keys(chain[i]!).length > 0) break;
    delete chain[i - 1]![steps[i - 1]!];
  }
}

export function toFieldsV1(paths: Iterable<FieldPath>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const s of pathSteps(p)) {
      const k = `f:${s}`;
      if (!isObject(node[k])) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
  }
  return root;
}

/** Leaf paths of a FieldsV1 tree. Non-`f:` steps (`k:`, `v:`, `i:` from other servers) are kept opaque. */
export function fromFieldsV1(fields: unknown): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (node: unknown, steps: string[]) => {
    const children = isObject(node) ? Object.entries(node).filter(([k]) => k !== '.') : [];
    if (children.length === 0) {
      if (steps.length > 0) out.add(pathKey(steps));
      return;
    }
    for (const [k, child] of children) walk(child, [...steps, k.startsWith('f:') ? k.slice(2) : k]);
  };
  walk(fields, []);
  return out;
}

/** Parse `metadata.managedFields` as stored; malformed entries are dropped. */
export function readEntries(raw: unknown): ManagedFieldsEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (e): e is ManagedFieldsEntry =>
      isObject(e) && typeof e.manager === 'string' && (e.operation === 'Apply' || e.operation === 'Update'),
  );
}

function sameEntry(
  e: ManagedFieldsEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
) {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

export interface OwnershipChange {
  manager: string;
  operation: 'Apply' | 'Update';
  subresource?: string;
  apiVersion: string;
  time: string;
}

/** Entries with every set minus `drop`, then `who`'s entry set to `owned` (entries left empty vanish). */
function rewrite(
  entries: readonly ManagedFieldsEntry[],
  who: OwnershipChange,
  owned: Set<FieldPath> | undefined,
  drop: (p: FieldPath, e: ManagedFieldsEntry) => boolean,
): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  let placed = false;
  for (const e of entries) {
    if (sameEntry(e, who.manager, who.operation, who.subresource)) {
      placed = true;
      if (owned && owned.size > 0) out.push(entryFor(who, owned));
      continue;
    }
    const before = fromFieldsV1(e.fieldsV1);
    const kept = [...before].filter((p) => !drop(p, e));
    if (kept.length === before.size) out.push(e);
    else if (kept.length > 0) out.push({ ...e, fieldsV1: toFieldsV1(kept) });
  }
  if (!placed && owned && owned.size > 0) out.push(entryFor(who, owned));
  return out;
}

function entryFor(who: OwnershipChange, owned: Set<FieldPath>): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = {
    manager: who.manager,
    operation: who.operation,
    apiVersion: who.apiVersion,
    time: who.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(owned),
  };
  if (who.subresource) e.subresource = who.subresource;
  return e;
}

/**
 * Ownership after a non-apply write (create, update, merge/JSON patch) by `who`: it takes every leaf
 * whose value it changed or added; other managers lose those, and everyone loses removed leaves.
 * Unchanged objects give unchanged entries.
 */
export function recordUpdate(
  entries: readonly ManagedFieldsEntry[],
  who: OwnershipChange,
  before: unknown,
  after: unknown,
  scope: FieldScope,
): ManagedFieldsEntry[] {
  const oldLeaves = leafPaths(before, scope);
  const newLeaves = leafPaths(after, scope);
  const changed = new Set<FieldPath>();
  for (const p of newLeaves)
    if (!oldLeaves.has(p) || !jsonEqual(valueAt(before, p), valueAt(after, p))) changed.add(p);
  const removed = new Set<FieldPath>([...oldLeaves].filter((p) => !newLeaves.has(p)));
  if (changed.size === 0 && removed.size === 0) return [...entries];
  const mine = entries.find((e) => sameEntry(e, who.manager, who.operation, who.subresource));
  const owned = new Set([...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed]);
  for (const p of removed) owned.delete(p);
  return rewrite(entries, who, owned, (p) => changed.has(p) || removed.has(p));
}

export interface ApplyConflict {
  manager: string;
  apiVersion: string;
  field: string;
}

export type ApplyOutcome =
  | { ok: true; object: Record<string, unknown>; entries: ManagedFieldsEntry[] }
  | { ok: false; conflicts: ApplyConflict[] };

/** Merge `applied` into `current`: objects recurse, arrays and scalars replace. */
function mergeApplied(current: unknown, applied: unknown): unknown {
  if (!isObject(applied) || !isObject(current)) return structuredClone(applied);
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(current[k], v);
  return out;
}

function overlaps(a: FieldPath, b: FieldPath): boolean {
  return a === b || b.startsWith(a + SEP) || a.startsWith(b + SEP);
}

/**
 * Server-side apply of `applied` (already stripped of server-owned fields) by `who` onto `current`
 * (`{}` when creating). A field another manager owns with a different value is a conflict unless
 * `force`, which moves ownership. Fields `who` applied before and leaves out now are removed
 * unless another manager owns them.
 */
export function applyConfiguration(
  entries: readonly ManagedFieldsEntry[],
  who: OwnershipChange,
  current: Record<string, unknown>,
  applied: Record<string, unknown>,
  force: boolean,
  scope: FieldScope,
): ApplyOutcome {
  const appliedSet = leafPaths(applied, scope);
  const others = entries.filter((e) => !sameEntry(e, who.manager, 'Apply', who.subresource));
  const otherSets = others.map((e) => ({ e, set: fromFieldsV1(e.fieldsV1) }));

  const conflicts: ApplyConflict[] = [];
  const taken = new Set<FieldPath>();
  for (const p of appliedSet) {
    const cur = valueAt(current, p);
    if (cur === undefined || jsonEqual(cur, valueAt(applied, p))) continue;
    for (const { e, set } of otherSets) {
      for (const q of set) {
        if (!overlaps(p, q)) continue;
        taken.add(q);
        if (!force && e.manager !== who.manager)
          conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, field: dottedPath(q) });
      }
    }
  }
  if (conflicts.length > 0) return { ok: false, conflicts };

  const mine = entries.find((e) => sameEntry(e, who.manager, 'Apply', who.subresource));
  const previously = mine ? fromFieldsV1(mine.fieldsV1) : new Set<FieldPath>();
  const object = mergeApplied(current, applied) as Record<string, unknown>;
  for (const p of previously) {
    if (appliedSet.has(p)) continue;
    if ([...appliedSet].some((a) => overlaps(a, p))) continue;
    const ownedByOther = otherSets.some(({ set }) => [...set].some((q) => !taken.has(q) && overlaps(p, q)));
    if (!ownedByOther) removeAt(object, p);
  }
  const next = rewrite(entries, { ...who, operation: 'Apply' }, appliedSet, (q) => taken.has(q));
  return { ok: true, object, entries: next };
}
