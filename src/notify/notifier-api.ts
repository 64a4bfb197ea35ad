/**
 * The notifier controller's JobNotifier calls: the list and the informer behind its cache, and the
 * status merge patch, each with a timeout. Two implementations: HTTPS with client-node
 * (kube-notifier-api.ts: cluster mode, `--embedded-client https`) and in-process against the
 * embedded API server (src/in-process-client/in-process-status-resource.ts, chosen by the
 * composition root). This file is the contract only, so the controller loads neither.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { type JobNotifierStatus, NOTIFIER_PLURAL } from '../api/notifier-schema.ts';
import { GROUP, VERSION } from '../api/schema.ts';
import type { InformerFactory } from '../kube/informer.ts';

export interface NotifierObject extends KubernetesObject {
  spec?: unknown;
  status?: JobNotifierStatus;
}

export type NotifierStatusPatch = { [K in keyof JobNotifierStatus]?: JobNotifierStatus[K] | null };

export interface NotifierApi {
  /** The informer's list (one namespace, or all). */
  list(namespace?: string): () => Promise<KubernetesListObject<NotifierObject>>;
  readonly informerFactory: InformerFactory<NotifierObject>;
  /** A JSON merge patch `{ status }` on the notifier's status subresource. */
  patchStatus(namespace: string, name: string, status: NotifierStatusPatch): Promise<void>;
}

export function notifiersPath(namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${NOTIFIER_PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${NOTIFIER_PLURAL}`;
}
