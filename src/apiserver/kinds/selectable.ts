/**
 * What label and field selectors read of an object: its key (namespace and name), its labels and
 * the kind's extra field labels. A stored object answers the first two without being parsed; a
 * field label parses it once, on first use. The watch history keeps a frozen view of an object's
 * previous version (labels and field-label values), not the object.
 */
import type { Labels, StoredObject } from '../store/stored-object.ts';
import type { ResourceKind } from './kind.ts';

export interface Selectable {
  readonly key: string;
  readonly labels: Labels | undefined;
  /** The value of one of the kind's field labels (`kind.fieldLabels`). */
  field(path: string): string | undefined;
}

/** The name in a storage key (`<group>/<plural>/<namespace>/<name>`). */
export function nameOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The namespace in a storage key; undefined for a cluster-scoped object ('' in the key). */
export function namespaceOfKey(key: string): string | undefined {
  const end = key.lastIndexOf('/');
  const ns = key.slice(key.lastIndexOf('/', end - 1) + 1, end);
  return ns === '' ? undefined : ns;
}

const noFields = () => undefined;

/** A view of a stored object; a field label parses the object the first time one is asked for. */
export function selectableOf(kind: ResourceKind, stored: StoredObject): Selectable {
  let parsed: Record<string, unknown> | undefined;
  return {
    key: stored.key,
    labels: stored.labels,
    field: (path) => {
      const get = kind.fieldLabels[path];
      if (!get) return undefined;
      parsed ??= stored.object();
      return get(parsed);
    },
  };
}

/** A view that keeps only what selectors read (for the watch history's previous versions). */
export function selectorSnapshot(kind: ResourceKind, stored: StoredObject): Selectable {
  const paths = Object.keys(kind.fieldLabels);
  if (paths.length === 0) return { key: stored.key, labels: stored.labels, field: noFields };
  const parsed = stored.object();
  const values = new Map(paths.map((p) => [p, kind.fieldLabels[p]!(parsed)]));
  return { key: stored.key, labels: stored.labels, field: (path) => values.get(path) };
}
