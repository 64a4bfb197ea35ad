/**
 * The status writer's API call: a JSON merge patch `{ status: ... }` on the job's status
 * subresource, with a timeout.
 */
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import { type KubeClients, mergePatchOptions } from './clients.ts';
import type { StatusPatchFn } from './status-writer.ts';

export function kubeStatusPatch(clients: KubeClients, timeoutMs?: number): StatusPatchFn {
  return async (key, patch) => {
    await clients.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: key.namespace,
        name: key.name,
        body: { status: patch },
      },
      mergePatchOptions(timeoutMs),
    );
  };
}
