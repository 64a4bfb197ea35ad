/**
 * The controller's ScheduledDockerJob calls over HTTP(S) with client-node (job-transport.ts):
 * cluster mode, and embedded mode with `--embedded-client https`. The list behind the informer,
 * the informer itself (client-node's, its cache trimmed), status merge patches and finalizer JSON
 * patches, each with a timeout.
 * Loads client-node: the composition root imports it only on those paths.
 */
import type { KubernetesListObject } from '@kubernetes/client-node';
import type { ObjectKey } from '../api/job-reporting.ts';
import { FINALIZER, GROUP, PLURAL, VERSION } from '../api/schema.ts';
import { isNotFound } from './api-errors.ts';
import { jsonPatchOptions, type KubeClients, withTimeout } from './clients.ts';
import type { FinalizerClient, JobObject } from './job-api.ts';
import type { JobTransport } from './job-transport.ts';
import { kubeStatusPatch } from './kube-status-patch.ts';
import { makeTrimmingInformer } from './trimming-informer.ts';

export function httpJobTransport(clients: KubeClients): JobTransport {
  return {
    name: 'https',
    list: (namespace) => listJobs(clients, namespace),
    informerFactory: (path, list) => makeTrimmingInformer(clients.kubeConfig, path, list),
    statusPatch: kubeStatusPatch(clients),
    finalizers: kubeFinalizerClient(clients),
  };
}

export function listJobs(
  clients: KubeClients,
  namespace?: string,
  timeoutMs = 30_000,
): () => Promise<KubernetesListObject<JobObject>> {
  return async () => {
    const list = namespace
      ? await clients.customObjects.listNamespacedCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL, namespace },
          withTimeout(timeoutMs),
        )
      : await clients.customObjects.listClusterCustomObject(
          { group: GROUP, version: VERSION, plural: PLURAL },
          withTimeout(timeoutMs),
        );
    return list as KubernetesListObject<JobObject>;
  };
}

export function kubeFinalizerClient(clients: KubeClients, timeoutMs?: number): FinalizerClient {
  const patch = (key: ObjectKey, body: unknown[]) =>
    clients.customObjects.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: key.namespace, name: key.name, body },
      jsonPatchOptions(timeoutMs),
    );
  return {
    async add(key, current) {
      if (current?.includes(FINALIZER)) return;
      const body = current
        ? [
            { op: 'test', path: '/metadata/finalizers', value: current },
            { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
          ]
        : [{ op: 'add', path: '/metadata/finalizers', value: [FINALIZER] }];
      await patch(key, body);
    },
    async remove(key, current) {
      if (!current.includes(FINALIZER)) return;
      try {
        await patch(key, [
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'replace', path: '/metadata/finalizers', value: current.filter((f) => f !== FINALIZER) },
        ]);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
  };
}
