/**
 * JobNotifier calls: the list behind the informer and the status merge patch, each with a timeout.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { type JobNotifierStatus, NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, VERSION } from '../api/schema.ts';
import { type KubeClients, mergePatchOptions, withTimeout } from '../kube/clients.ts';

export interface NotifierObject extends KubernetesObject {
  spec?: unknown;
  status?: JobNotifierStatus;
}

export function notifiersPath(namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${NOTIFIER_PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${NOTIFIER_PLURAL}`;
}

export function listNotifiers(
  clients: KubeClients,
  namespace?: string,
  timeoutMs = 30_000,
): () => Promise<KubernetesListObject<NotifierObject>> {
  return async () => {
    const base = { group: GROUP, version: VERSION, plural: NOTIFIER_PLURAL };
    const list = namespace
      ? await clients.customObjects.listNamespacedCustomObject({ ...base, namespace }, withTimeout(timeoutMs))
      : await clients.customObjects.listClusterCustomObject(base, withTimeout(timeoutMs));
    return list as KubernetesListObject<NotifierObject>;
  };
}

export type NotifierStatusPatch = { [K in keyof JobNotifierStatus]?: JobNotifierStatus[K] | null };

export function patchNotifierStatus(clients: KubeClients, timeoutMs?: number) {
  return async (namespace: string, name: string, status: NotifierStatusPatch): Promise<void> => {
    await clients.customObjects.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, plural: NOTIFIER_PLURAL, namespace, name, body: { status } },
      mergePatchOptions(timeoutMs),
    );
  };
}
