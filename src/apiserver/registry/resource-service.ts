/**
 * The generic resource engine: list, get, create, update, patch, delete and delete-collection for
 * any kind in the registry, with the API machinery's semantics — resourceVersion on every write,
 * optimistic concurrency, generation bumps on spec changes, status kept out of main writes,
 * finalizers, dry runs, field ownership, defaults and validation through the kind.
 *
 * Reads are in resource-queries.ts, deletion in resource-deletion.ts.
 * In: a kind, a namespace/name, a decoded body and options. Out: the object (or list) to answer
 * with, or a thrown ApiError. Never touches HTTP; every durable write goes through the ObjectStore.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../util/clock.ts';
import { clone, isObject, jsonEqual } from '../../util/json-values.ts';
import { applyMergePatch } from '../../util/merge-patch.ts';
import { apiVersionOf, type KubeObject, metaOf, objectKey, type ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';
import { applyJsonPatch, JsonPatchError } from '../patch/json-patch.ts';
import {
  applyConfiguration,
  type FieldScope,
  type ManagedFieldsEntry,
  type OwnershipChange,
  readEntries,
  recordUpdate,
} from '../patch/managed-fields.ts';
import { applyStrategicMergePatch, StrategicMergePatchError } from '../patch/strategic-merge-patch.ts';
import { ApiError, applyConflictError, errors } from '../status-errors.ts';
import type { ObjectStore, StoredObject } from '../store/object-store.ts';
import type { WatchHub } from '../watch/watch-hub.ts';
import {
  type GuaranteedUpdateLimits,
  GuaranteedUpdater,
  OBJECT_MODIFIED,
  type UpdateTarget,
} from './guaranteed-update.ts';
import {
  type FieldValidation,
  generateName,
  nameCauses,
  normalizeBody,
  placeInNamespace,
  ratchetCauses,
  rfc3339,
  unknownFieldWarnings,
  withVersion,
} from './object-rules.ts';
import { ResourceDeletion } from './resource-deletion.ts';
import { type ListQuery, type ListResult, ResourceQueries } from './resource-queries.ts';

export type { ListQuery, ListResult };

export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  fieldValidation: FieldValidation;
  force?: boolean;
}

export interface WriteResult {
  object: KubeObject;
  /** `object` as stored, its JSON text (answered as it is); undefined when nothing was stored. */
  json?: string;
  /** 200, 201 (created) or 202 (deletion pending on finalizers). */
  code: number;
  warnings: string[];
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/** The object a write is addressed to (from the URL). */
export interface WriteTarget {
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
  subresource: 'status' | undefined;
}

/** A create checked and admitted, ready to store once the key is known to be free. */
interface PreparedCreate {
  key: string;
  name: string;
  object: KubeObject;
  warnings: string[];
}

export class ResourceService extends ResourceQueries {
  private readonly deletion: ResourceDeletion;
  /** Every write runs through it: one at a time per key, re-applied on a store conflict. */
  private readonly updates: GuaranteedUpdater;

  constructor(
    store: ObjectStore,
    hub: WatchHub,
    private readonly kinds: KindRegistry,
    private readonly clock: Clock,
    updateLimits: Partial<GuaranteedUpdateLimits> = {},
  ) {
    super(store, hub);
    this.updates = new GuaranteedUpdater(store, clock, updateLimits);
    this.deletion = new ResourceDeletion(store, kinds, clock, this.updates, (k, ns, q) =>
      this.list(k, ns, q),
    );
  }

  async delete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    options: KubeObject,
    dryRun: boolean,
  ): Promise<WriteResult> {
    return { ...(await this.deletion.delete(kind, namespace, name, options, dryRun)), warnings: [] };
  }

  deleteCollection(
    kind: ResourceKind,
    namespace: string | undefined,
    q: ListQuery,
    dryRun: boolean,
  ): Promise<ListResult> {
    return this.deletion.deleteCollection(kind, namespace, q, dryRun);
  }

  private namespaceKind(): ResourceKind {
    return this.kinds.lookup('', 'v1', 'namespaces')!;
  }

  /** Create the namespaces that must exist from the start (idempotent). */
  async ensureNamespaces(names: readonly string[]): Promise<void> {
    const ns = this.namespaceKind();
    for (const name of names) {
      if (this.store.get(objectKey(ns, undefined, name))) continue;
      await this.create(
        ns,
        undefined,
        { metadata: { name } },
        {
          dryRun: false,
          fieldManager: 'ofelia-apiserver',
          fieldValidation: 'Ignore',
        },
      );
    }
  }

  async create(
    kind: ResourceKind,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    const prepared = this.prepareCreate(kind, namespace, body, opts, undefined);
    return this.updates.run(prepared.key, updateTarget(kind, prepared.name), (current) =>
      this.storeCreate(kind, prepared, current, opts),
    );
  }

  /** Store a prepared create; inside GuaranteedUpdater.run, so a racing create is seen on the re-read. */
  private async storeCreate(
    kind: ResourceKind,
    prepared: PreparedCreate,
    current: StoredObject | undefined,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    if (current) throw errors.alreadyExists(kind.group, kind.plural, prepared.name);
    if (opts.dryRun) return { object: prepared.object, code: 201, warnings: prepared.warnings };
    let object: KubeObject = prepared.object;
    const stored = await this.store.put(prepared.key, (rv) => (object = withVersion(prepared.object, rv)), {
      expectedResourceVersion: 0,
    });
    return { object, json: stored.json, code: 201, warnings: prepared.warnings };
  }

  /** Everything a create decides before touching the store: name, defaults, validation, ownership. */
  private prepareCreate(
    kind: ResourceKind,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions,
    appliedEntries: ManagedFieldsEntry[] | undefined,
  ): PreparedCreate {
    const obj = normalizeBody(kind, body);
    const meta = metaOf(obj);
    placeInNamespace(kind, namespace, meta);
    if (!meta.name) {
      if (typeof meta.generateName === 'string' && meta.generateName)
        meta.name = generateName(meta.generateName);
      else
        throw errors.invalid(kind.group, kind.kind, '', [
          {
            reason: 'FieldValueRequired',
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
          },
        ]);
    }
    const name = String(meta.name);
    const bad = nameCauses(kind, name);
    if (bad.length) throw errors.invalid(kind.group, kind.kind, name, bad);
    if (kind.namespaced) this.requireNamespace(namespace!);
    const key = objectKey(kind, namespace, name);
    if (this.store.get(key)) throw errors.alreadyExists(kind.group, kind.plural, name);
    const warnings = unknownFieldWarnings(kind.unknownFields(obj), opts.fieldValidation);

    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    if (kind.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (kind.statusSubresource) delete obj.status;
    const admitted = this.admit(kind, obj, name);
    const entries =
      appliedEntries ??
      recordUpdate([], this.owner(kind, opts.fieldManager, 'Update', undefined), {}, admitted, 'main');
    if (entries.length) metaOf(admitted).managedFields = entries;
    return { key, name, object: admitted, warnings };
  }

  /** PUT: replace the object (or its status) as given. */
  async update(target: WriteTarget, body: unknown, opts: WriteOptions): Promise<WriteResult> {
    const { kind, namespace, name } = target;
    const candidate = normalizeBody(kind, body);
    // Without metadata.resourceVersion this is an unconditional update, re-applied on a race.
    return this.updates.run(objectKey(kind, namespace, name), updateTarget(kind, name), (current) => {
      if (!current) throw errors.notFound(kind.group, kind.plural, name);
      return this.commit(target, current.object(), clone(candidate), opts);
    });
  }

  async patch(
    target: WriteTarget,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    const { kind, namespace, name } = target;
    // The patch is applied to the latest object on every attempt (a real server's GuaranteedUpdate).
    return this.updates.run(objectKey(kind, namespace, name), updateTarget(kind, name), async (current) => {
      if (type === 'apply') return this.apply(target, current?.object(), patch, opts);
      if (!current) throw errors.notFound(kind.group, kind.plural, name);
      // A fresh parse per attempt: the patch functions copy what they change, so `latest` stays as read.
      const latest = current.object();
      let candidate: unknown;
      try {
        candidate =
          type === 'merge'
            ? applyMergePatch(latest, patch)
            : type === 'strategic'
              ? applyStrategicMergePatch(latest, patch)
              : applyJsonPatch(latest, patch);
      } catch (e) {
        // A failed `test` op included: 422, as a real server answers, and never retried.
        if (e instanceof JsonPatchError)
          throw new ApiError(422, 'Invalid', `the JSON patch could not be applied: ${e.message}`);
        if (e instanceof StrategicMergePatchError) throw errors.badRequest(e.message);
        throw e;
      }
      const obj = normalizeBody(kind, candidate);
      const m = metaOf(obj);
      // A patch that names a resourceVersion is a precondition; otherwise patches apply to the latest.
      const patchRv =
        isObject(patch) && isObject(patch.metadata) ? patch.metadata.resourceVersion : undefined;
      if (patchRv === undefined && type !== 'json') m.resourceVersion = metaOf(latest).resourceVersion;
      return this.commit(target, latest, obj, opts);
    });
  }

  private async apply(
    target: WriteTarget,
    current: KubeObject | undefined,
    patch: unknown,
    opts: WriteOptions,
  ): Promise<WriteResult> {
    const { kind, namespace, name, subresource } = target;
    const applied = normalizeBody(kind, patch);
    const am = metaOf(applied);
    if (am.name !== undefined && am.name !== name)
      throw errors.badRequest(
        `the name of the object (${String(am.name)}) does not match the name on the URL (${name})`,
      );
    am.name = name;
    placeInNamespace(kind, namespace, am);
    const scope: FieldScope = subresource === 'status' ? 'status' : 'main';
    // Server-owned fields are never applied.
    for (const k of [
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'managedFields',
    ])
      delete am[k];
    if (scope === 'main') delete applied.status;
    const who = this.owner(kind, opts.fieldManager, 'Apply', subresource);
    if (!current) {
      if (subresource) throw errors.notFound(kind.group, kind.plural, name);
      const outcome = applyConfiguration([], who, {}, applied, true, scope);
      if (!outcome.ok) throw new Error('unreachable: a create cannot conflict');
      // Already inside this key's GuaranteedUpdater.run: a create racing this one makes the store
      // conflict, and the re-read turns this apply into an update.
      const prepared = this.prepareCreate(kind, namespace, outcome.object, opts, outcome.entries);
      return this.storeCreate(kind, prepared, undefined, opts);
    }
    const unknown = kind.unknownFields(applied);
    const warnings = unknownFieldWarnings(unknown, opts.fieldValidation);
    const entries = readEntries(metaOf(current).managedFields);
    const outcome = applyConfiguration(entries, who, clone(current), applied, opts.force === true, scope);
    if (!outcome.ok) throw applyConflictError(kind.group, kind.plural, name, outcome.conflicts);
    const candidate = outcome.object;
    metaOf(candidate).resourceVersion = metaOf(current).resourceVersion;
    metaOf(candidate).managedFields = metaOf(current).managedFields;
    const r = await this.commit(
      target,
      current,
      candidate,
      { ...opts, fieldValidation: 'Ignore' },
      outcome.entries,
    );
    return { ...r, warnings: [...warnings, ...r.warnings] };
  }

  /**
   * Store `candidate` in place of `current`. `entries` are the managed fields an apply computed;
   * otherwise ownership is recorded as an Update by opts.fieldManager.
   */
  private async commit(
    target: WriteTarget,
    current: KubeObject,
    candidate: KubeObject,
    opts: WriteOptions,
    entries?: ManagedFieldsEntry[],
  ): Promise<WriteResult> {
    const { kind, namespace, name, subresource } = target;
    const cm = metaOf(candidate);
    const old = metaOf(current);
    if (cm.name !== undefined && cm.name !== name)
      throw errors.badRequest(
        `the name of the object (${String(cm.name)}) does not match the name on the URL (${name})`,
      );
    placeInNamespace(kind, namespace, cm);
    if (
      cm.resourceVersion !== undefined &&
      cm.resourceVersion !== '' &&
      cm.resourceVersion !== old.resourceVersion
    ) {
      throw errors.conflict(kind.group, kind.plural, name, OBJECT_MODIFIED);
    }
    const warnings =
      subresource === 'status'
        ? []
        : unknownFieldWarnings(kind.unknownFields(candidate), opts.fieldValidation);

    let next: KubeObject;
    if (subresource === 'status') {
      // Only status and metadata's server-set fields change below, on copies: the rest may be shared.
      next = { ...current, metadata: { ...old } };
      if (candidate.status === undefined) delete next.status;
      else next.status = clone(candidate.status);
    } else {
      next = clone(candidate);
      const nm: Record<string, unknown> = metaOf(next);
      for (const k of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
        'namespace',
      ] as const) {
        if (old[k] === undefined) delete nm[k];
        else nm[k] = old[k];
      }
      nm.name = name;
      const finalizers = Array.isArray(nm.finalizers) ? (nm.finalizers as string[]) : [];
      if (kind.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
      if (old.deletionTimestamp) {
        const added = finalizers.filter((f) => !(old.finalizers ?? []).includes(f));
        if (added.length)
          throw errors.invalid(kind.group, kind.kind, name, [
            {
              reason: 'FieldValueForbidden',
              field: 'metadata.finalizers',
              message: 'Forbidden: no new finalizers can be added if the object is being deleted',
            },
          ]);
      }
    }
    next.apiVersion = apiVersionOf(kind);
    next.kind = kind.kind;
    const admitted =
      subresource === 'status' && kind.admitStatus
        ? this.admitStatus(kind, next, current, name)
        : this.admitUpdate(kind, next, current, name);
    const am = metaOf(admitted);
    if (kind.tracksGeneration && subresource !== 'status' && !jsonEqual(current.spec, admitted.spec))
      am.generation = (typeof old.generation === 'number' ? old.generation : 1) + 1;

    // Ownership: given by an apply, set explicitly by the client, or recorded as an Update.
    const explicit =
      subresource !== 'status' &&
      cm.managedFields !== undefined &&
      !jsonEqual(cm.managedFields, old.managedFields);
    const oldEntries = readEntries(old.managedFields);
    const newEntries = entries
      ? entries
      : explicit
        ? readEntries(cm.managedFields)
        : recordUpdate(
            oldEntries,
            this.owner(kind, opts.fieldManager, 'Update', subresource),
            current,
            admitted,
            subresource === 'status' ? 'status' : 'main',
          );
    am.resourceVersion = old.resourceVersion;
    delete am.managedFields;
    if (!explicit && equalButManagedFields(admitted, current)) {
      return { object: current, code: 200, warnings };
    }
    if (newEntries.length) am.managedFields = newEntries;

    // A StoreConflictError from these writes goes back to GuaranteedUpdater.run, which re-reads.
    const key = objectKey(kind, namespace, name);
    const expected = Number(old.resourceVersion);
    if (old.deletionTimestamp && (am.finalizers ?? []).length === 0) {
      if (opts.dryRun) return { object: admitted, code: 200, warnings };
      const gone = await this.store.delete(key, { expectedResourceVersion: expected });
      return { object: gone ? withVersion(admitted, gone.resourceVersion) : admitted, code: 200, warnings };
    }
    if (opts.dryRun) return { object: admitted, code: 200, warnings };
    let object = admitted;
    const stored = await this.store.put(key, (rv) => (object = withVersion(admitted, rv)), {
      expectedResourceVersion: expected,
    });
    return { object, json: stored.json, code: 200, warnings };
  }

  private owner(
    kind: ResourceKind,
    manager: string,
    operation: 'Apply' | 'Update',
    subresource: string | undefined,
  ): OwnershipChange {
    const who: OwnershipChange = {
      manager,
      operation,
      apiVersion: apiVersionOf(kind),
      time: rfc3339(this.clock.now()),
    };
    if (subresource) who.subresource = subresource;
    return who;
  }

  /**
   * Validation ratcheting, as a real server (1.30+) does for custom resources: an update may keep a
   * field that is invalid under today's rules (stored before a rule was tightened) as long as it
   * leaves that value unchanged, so status writes, finalizer removal and label edits still work on
   * such an object. Changing the field to another invalid value, or any new error, is a 422. A
   * ratcheted object is stored as given (the kind's defaults cannot be computed for it).
   */
  private admitUpdate(kind: ResourceKind, obj: KubeObject, current: KubeObject, name: string): KubeObject {
    const r = kind.admit(obj);
    if (r.ok) return r.object;
    const remaining = ratchetCauses(r.causes, current, obj);
    if (remaining.length) throw errors.invalid(kind.group, kind.kind, name, remaining);
    return obj;
  }

  /**
   * A status write: only the new status is validated (the rest is the stored object, admitted
   * when it was written; a whole-object check would redo a spec validation that cannot change
   * its outcome and cost most of a status write). An invalid field left unchanged is ratcheted, as
   * in admitUpdate.
   */
  private admitStatus(kind: ResourceKind, obj: KubeObject, current: KubeObject, name: string): KubeObject {
    const r = kind.admitStatus!(obj.status);
    if (!r.ok) {
      const remaining = ratchetCauses(r.causes, current, obj);
      if (remaining.length) throw errors.invalid(kind.group, kind.kind, name, remaining);
      return obj;
    }
    const admitted: KubeObject = { ...obj };
    if (r.status === undefined) delete admitted.status;
    else admitted.status = r.status;
    return admitted;
  }

  private admit(kind: ResourceKind, obj: KubeObject, name: string): KubeObject {
    const r = kind.admit(obj);
    if (!r.ok) throw errors.invalid(kind.group, kind.kind, name, r.causes);
    return r.object;
  }

  private requireNamespace(namespace: string): void {
    if (!this.store.get(objectKey(this.namespaceKind(), undefined, namespace)))
      throw errors.notFound('', 'namespaces', namespace);
  }
}

/** Is `a` (without managedFields) `b` apart from b's managedFields? (No copy of b to find out.) */
function equalButManagedFields(a: KubeObject, b: KubeObject): boolean {
  const keys = Object.keys(b);
  if (Object.keys(a).length !== keys.length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(a, k)) return false;
    if (k !== 'metadata') {
      if (!jsonEqual(a[k], b[k])) return false;
      continue;
    }
    const am = a.metadata;
    const bm = b.metadata;
    if (!isObject(am) || !isObject(bm)) return jsonEqual(am, bm);
    const bKeys = Object.keys(bm).filter((x) => x !== 'managedFields');
    if (Object.keys(am).filter((x) => x !== 'managedFields').length !== bKeys.length) return false;
    for (const mk of bKeys) if (!Object.hasOwn(am, mk) || !jsonEqual(am[mk], bm[mk])) return false;
  }
  return true;
}

function updateTarget(kind: ResourceKind, name: string): UpdateTarget {
  return { group: kind.group, plural: kind.plural, name };
}
