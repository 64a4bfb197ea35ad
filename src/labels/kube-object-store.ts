/**
 * The label source's stores over HTTPS with client-node (object-store.ts): cluster mode and
 * `--embedded-client https`. Loaded with a dynamic import on those paths only.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import { type KubeClients, withTimeout } from '../kube/clients.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import { type LabelObjectStore, type LabelStores, ownerSelector, replacedMetadata } from './object-store.ts';
import type { ExistingObject } from './sync-plan.ts';

export function kubeLabelStores(
  clients: KubeClients,
  namespace: string,
  owner: string,
  timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
): LabelStores {
  return {
    secrets: kubeSecretStore(clients, namespace, owner, timeoutMs),
    notifiers: kubeCustomObjectStore(clients, namespace, owner, NOTIFIER_PLURAL, timeoutMs),
    jobs: kubeCustomObjectStore(clients, namespace, owner, PLURAL, timeoutMs),
  };
}

function notFound(e: unknown): boolean {
  return (e as { code?: number }).code === 404;
}

function kubeCustomObjectStore(
  clients: KubeClients,
  namespace: string,
  owner: string,
  plural: string,
  timeoutMs: number,
): LabelObjectStore {
  const api = clients.customObjects;
  const base = { group: GROUP, version: VERSION, namespace, plural };
  return {
    async list() {
      const list = (await api.listNamespacedCustomObject(
        { ...base, labelSelector: ownerSelector(owner) },
        withTimeout(timeoutMs),
      )) as { items?: ExistingObject[] };
      return list.items ?? [];
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
  clients: KubeClients,
  namespace: string,
  owner: string,
  timeoutMs: number,
): LabelObjectStore {
  const api = clients.core;
  return {
    async list() {
      const list = await api.listNamespacedSecret(
        { namespace, labelSelector: ownerSelector(owner) },
        withTimeout(timeoutMs),
      );
      return (list.items ?? []) as ExistingObject[];
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
