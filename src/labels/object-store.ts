/**
 * Where the label source keeps what it makes: the objects of one kind in one namespace
 * (ScheduledDockerJobs, JobNotifiers, Secrets), through the Kubernetes API (client-node, a timeout
 * on every call). A small interface, so the source's logic can be driven by a fake in unit tests
 * and by the real API server everywhere else.
 */
import type { KubeConfig, V1Secret } from '@kubernetes/client-node';
import { NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import type { KubeObject } from '../import/index.ts';
import { makeKubeClients, withTimeout } from '../kube/clients.ts';
import { type ExistingObject, OWNER_LABEL } from './sync-plan.ts';

export interface LabelObjectStore {
  /** The objects of the namespace that carry this owner's label. */
  list(): Promise<ExistingObject[]>;
  /** Any object by name (to tell a conflict from a free name), or undefined. */
  get(name: string): Promise<ExistingObject | undefined>;
  /** Refused with `code: 409` when the name is taken. */
  create(object: KubeObject): Promise<void>;
  /** Replaces the content, labels and annotations; keeps finalizers and status. */
  replace(object: KubeObject, existing: ExistingObject): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The three stores of one source, in the order creates need them (a notifier reads its Secret). */
export interface LabelStores {
  secrets: LabelObjectStore;
  notifiers: LabelObjectStore;
  jobs: LabelObjectStore;
}

export function kubeLabelStores(
  kubeConfig: KubeConfig,
  namespace: string,
  owner: string,
  timeoutMs = 10_000,
): LabelStores {
  return {
    secrets: kubeSecretStore(kubeConfig, namespace, owner, timeoutMs),
    notifiers: kubeCustomObjectStore(kubeConfig, namespace, owner, NOTIFIER_PLURAL, timeoutMs),
    jobs: kubeCustomObjectStore(kubeConfig, namespace, owner, PLURAL, timeoutMs),
  };
}

/** Metadata for a replace: the existing object's, with the source's labels and annotations over it. */
function replacedMetadata(object: KubeObject, existing: ExistingObject) {
  return {
    ...existing.metadata,
    labels: { ...(existing.metadata.labels ?? {}), ...(object.metadata.labels ?? {}) },
    annotations: { ...(existing.metadata.annotations ?? {}), ...(object.metadata.annotations ?? {}) },
  };
}

function notFound(e: unknown): boolean {
  return (e as { code?: number }).code === 404;
}

function kubeCustomObjectStore(
  kubeConfig: KubeConfig,
  namespace: string,
  owner: string,
  plural: string,
  timeoutMs: number,
): LabelObjectStore {
  const api = makeKubeClients(kubeConfig).customObjects;
  const base = { group: GROUP, version: VERSION, namespace, plural };
  return {
    async list() {
      const list = (await api.listNamespacedCustomObject(
        { ...base, labelSelector: `${OWNER_LABEL}=${owner}` },
        withTimeout(timeoutMs),
      )) as { items?: ExistingObject[] };
      return list.items ?? [];
    },
    async get(name) {
      try {
        return (await api.getNamespacedCustomObject(
          { ...base, name },
          withTimeout(timeoutMs),
        )) as ExistingObject;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async create(object) {
      await api.createNamespacedCustomObject({ ...base, body: object }, withTimeout(timeoutMs));
    },
    async replace(object, existing) {
      const body = { ...object, metadata: replacedMetadata(object, existing) };
      await api.replaceNamespacedCustomObject(
        { ...base, name: object.metadata.name, body },
        withTimeout(timeoutMs),
      );
    },
    async delete(name) {
      try {
        await api.deleteNamespacedCustomObject({ ...base, name }, withTimeout(timeoutMs));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
  };
}

function kubeSecretStore(
  kubeConfig: KubeConfig,
  namespace: string,
  owner: string,
  timeoutMs: number,
): LabelObjectStore {
  const api = makeKubeClients(kubeConfig).core;
  return {
    async list() {
      const list = await api.listNamespacedSecret(
        { namespace, labelSelector: `${OWNER_LABEL}=${owner}` },
        withTimeout(timeoutMs),
      );
      return (list.items ?? []) as ExistingObject[];
    },
    async get(name) {
      try {
        return (await api.readNamespacedSecret(
          { namespace, name },
          withTimeout(timeoutMs),
        )) as ExistingObject;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async create(object) {
      await api.createNamespacedSecret({ namespace, body: object as V1Secret }, withTimeout(timeoutMs));
    },
    async replace(object, existing) {
      // stringData replaces every value; `data` is left out so a key the labels dropped goes too.
      const body = { ...object, metadata: replacedMetadata(object, existing) } as V1Secret;
      await api.replaceNamespacedSecret(
        { namespace, name: object.metadata.name, body },
        withTimeout(timeoutMs),
      );
    },
    async delete(name) {
      try {
        await api.deleteNamespacedSecret({ namespace, name }, withTimeout(timeoutMs));
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
  };
}
