/**
 * Deletion in the resource engine: preconditions (uid, resourceVersion), finalizers (a DELETE of an
 * object with finalizers only marks it with deletionTimestamp; the update removing the last one
 * deletes it, see resources.ts), protected namespaces, namespace contents, delete-collection, and
 * dry runs that store nothing. A delete runs in the shared GuaranteedUpdater: preconditions are
 * checked against the latest object, and a race with another write (a status update) re-reads.
 */
import type { Clock } from '../../util/clock.ts';
import { clone, isObject } from '../../util/json-values.ts';
import { type KubeObject, keyPrefix, metaOf, objectKey, type ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { nameOfKey } from '../kinds/selectable.ts';
import { ApiError, errors } from '../status-errors.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import type { GuaranteedUpdater } from './guaranteed-update.ts';
import { rfc3339, withVersion } from './object-rules.ts';
import type { ListQuery, ListResult } from './resource-queries.ts';

/** Namespaces a real server refuses to delete. */
export const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'ofelia-system']);

export interface DeleteResult {
  object: KubeObject;
  /** `object` as stored, when the delete stored it (marked for finalizers). */
  json?: string;
  /** 200 when gone (or a dry run), 202 when marked and waiting for finalizers. */
  code: number;
}

export class ResourceDeletion {
  constructor(
    private readonly store: ObjectStore,
    private readonly kinds: KindRegistry,
    private readonly clock: Clock,
    private readonly updates: GuaranteedUpdater,
    private readonly list: (kind: ResourceKind, namespace: string | undefined, q: ListQuery) => ListResult,
  ) {}

  async delete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    options: KubeObject,
    dryRun: boolean,
  ): Promise<DeleteResult> {
    const key = objectKey(kind, namespace, name);
    return this.updates.run(key, { group: kind.group, plural: kind.plural, name }, (current) =>
      this.deleteLatest(kind, key, name, current, options, dryRun),
    );
  }

  private async deleteLatest(
    kind: ResourceKind,
    key: string,
    name: string,
    current: StoredObject | undefined,
    options: KubeObject,
    dryRun: boolean,
  ): Promise<DeleteResult> {
    if (!current) throw errors.notFound(kind.group, kind.plural, name);
    const latest = current.object();
    const m = metaOf(latest);
    const pre = isObject(options.preconditions) ? options.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid !== m.uid)
      throw errors.conflict(
        kind.group,
        kind.plural,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${m.uid}`,
      );
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion !== m.resourceVersion)
      throw errors.conflict(
        kind.group,
        kind.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${m.resourceVersion}`,
      );
    if (kind.group === '' && kind.plural === 'namespaces') {
      if (PROTECTED_NAMESPACES.has(name))
        throw errors.forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, {
          name,
          kind: 'namespaces',
        });
      if (!dryRun) await this.deleteNamespaceContents(name);
    }
    if ((m.finalizers ?? []).length > 0) {
      if (m.deletionTimestamp || dryRun) return { object: latest, code: 202 };
      const marked = clone(latest);
      const mm = metaOf(marked);
      mm.deletionTimestamp = rfc3339(this.clock.now());
      mm.deletionGracePeriodSeconds = 0;
      let object = marked;
      const stored = await this.store.put(key, (rv) => (object = withVersion(marked, rv)), {
        expectedResourceVersion: current.resourceVersion,
      });
      return { object, json: stored.json, code: 202 };
    }
    if (dryRun) return { object: latest, code: 200 };
    await this.store.delete(key, { expectedResourceVersion: current.resourceVersion });
    return { object: latest, code: 200 };
  }

  async deleteCollection(
    kind: ResourceKind,
    namespace: string | undefined,
    q: ListQuery,
    dryRun: boolean,
  ): Promise<ListResult> {
    const { items, resourceVersion } = this.list(kind, namespace, {
      labelSelector: q.labelSelector,
      fieldSelector: q.fieldSelector,
    });
    const deleted: KubeObject[] = [];
    for (const o of items) {
      const m = metaOf(o);
      try {
        deleted.push((await this.delete(kind, m.namespace, String(m.name), {}, dryRun)).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { items: deleted, resourceVersion };
  }

  /** Every namespaced object in it: deleted, or marked when it has finalizers. */
  private async deleteNamespaceContents(namespace: string): Promise<void> {
    for (const kind of this.kinds.kinds) {
      if (!kind.namespaced) continue;
      for (const o of this.store.list(`${keyPrefix(kind)}${namespace}/`)) {
        try {
          await this.delete(kind, namespace, nameOfKey(o.key), {}, false);
        } catch (e) {
          if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
        }
      }
    }
  }
}
