/**
 * The JobNotifier calls (notifier-api.ts) over HTTP(S) with client-node: the list, client-node's
 * informer (its cache trimmed) and the status merge patch, each with a timeout.
 */
import type { KubernetesListObject } from '@kubernetes/client-node';
import { NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, VERSION } from '../api/schema.ts';
import { type KubeClients, mergePatchOptions, withTimeout } from '../kube/clients.ts';
import { makeTrimmingInformer } from '../kube/trimming-informer.ts';
import type { NotifierApi, NotifierObject } from './notifier-api.ts';

export function kubeNotifierApi(clients: KubeClients, timeoutMs = 30_000): NotifierApi {
  const base = { group: GROUP, version: VERSION, plural: NOTIFIER_PLURAL };
  return {
    list: (namespace) => async () => {
      const list = namespace
        ? await clients.customObjects.listNamespacedCustomObject(
            { ...base, namespace },
            withTimeout(timeoutMs),
          )
        : await clients.customObjects.listClusterCustomObject(base, withTimeout(timeoutMs));
      return list as KubernetesListObject<NotifierObject>;
    },
    informerFactory: (path, list) => makeTrimmingInformer(clients.kubeConfig, path, list),
    async patchStatus(namespace, name, status) {
      await clients.customObjects.patchNamespacedCustomObjectStatus(
        { ...base, namespace, name, body: { status } },
        mergePatchOptions(),
      );
    },
  };
}
