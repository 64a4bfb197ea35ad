/**
 * Reads of the resource engine: get one object, list a kind (one namespace or all) with label and
 * field selectors and paging, and the selector predicate watches share. Reads come from the store's
 * in-memory view; a list's resourceVersion is the last change the watch hub announced, so a watch
 * from it misses nothing and repeats nothing.
 */

import { type KubeObject, keyPrefix, objectKey, type ResourceKind } from '../kinds/kind.ts';
import { nameOfKey, namespaceOfKey, type Selectable, selectableOf } from '../kinds/selectable.ts';
import { errors } from '../status-errors.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import type { WatchHub } from '../watch/watch-hub.ts';
import { decodeContinue, encodeContinue } from './continue-token.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';

export interface ListQuery {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number | undefined;
  continueToken?: string | null;
}

/** A list's items: parsed objects (`list`), or the stored objects (`listStored`: their JSON unparsed). */
export interface ListResult<T = KubeObject> {
  items: T[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export class ResourceQueries {
  constructor(
    protected readonly store: ObjectStore,
    protected readonly hub: WatchHub,
  ) {}

  /** A predicate for label and field selectors (throws 400 on a malformed selector). */
  matcher(
    kind: ResourceKind,
    labelSelector?: string | null,
    fieldSelector?: string | null,
  ): (o: Selectable) => boolean {
    const labels = parseLabelSelector(labelSelector);
    const allowed = ['metadata.name', 'metadata.namespace', ...Object.keys(kind.fieldLabels)];
    const fields = parseFieldSelector(fieldSelector, allowed);
    if (labels.length === 0 && fields.length === 0) return () => true;
    return (o) => {
      if (!matchesLabels(labels, o.labels)) return false;
      return matchesFields(fields, (f) =>
        f === 'metadata.name'
          ? nameOfKey(o.key)
          : f === 'metadata.namespace'
            ? namespaceOfKey(o.key)
            : o.field(f),
      );
    };
  }

  /** One object, parsed (the caller owns it). */
  get(kind: ResourceKind, namespace: string | undefined, name: string): KubeObject {
    return this.getStored(kind, namespace, name).object();
  }

  /** One object as stored (its JSON text is the answer to a GET). */
  getStored(kind: ResourceKind, namespace: string | undefined, name: string): StoredObject {
    const found = this.store.get(objectKey(kind, namespace, name));
    if (!found) throw errors.notFound(kind.group, kind.plural, name);
    return found;
  }

  /** A list of parsed objects (the caller owns them). */
  list(kind: ResourceKind, namespace: string | undefined, q: ListQuery): ListResult {
    const r = this.listStored(kind, namespace, q);
    return { ...r, items: r.items.map((o) => o.object()) };
  }

  /** A list of stored objects: selectors read labels and keys, so nothing is parsed without a field label. */
  listStored(kind: ResourceKind, namespace: string | undefined, q: ListQuery): ListResult<StoredObject> {
    const matcher = this.matcher(kind, q.labelSelector, q.fieldSelector);
    const match = (o: StoredObject) => matcher(selectableOf(kind, o));
    const prefix = keyPrefix(kind) + (kind.namespaced && namespace !== undefined ? `${namespace}/` : '');
    const resourceVersion = String(this.hub.currentResourceVersion());
    const after = q.continueToken ? decodeContinue(q.continueToken).after : undefined;
    const all = this.store
      .list(prefix)
      .filter((o) => after === undefined || o.key > after)
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const items: StoredObject[] = [];
    let lastKey: string | undefined;
    let i = 0;
    for (; i < all.length; i++) {
      const o = all[i]!;
      if (!match(o)) continue;
      if (q.limit !== undefined && q.limit > 0 && items.length >= q.limit) break;
      items.push(o);
      lastKey = o.key;
    }
    const result: ListResult<StoredObject> = { items, resourceVersion };
    if (i < all.length && lastKey !== undefined) {
      result.continueToken = encodeContinue({ rv: Number(resourceVersion), after: lastKey });
      result.remainingItemCount = all.slice(i).filter(match).length;
    }
    return result;
  }
}
