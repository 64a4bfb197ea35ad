/**
 * The ScheduledDockerJob as the controller sees it through the API, and the contract of its only
 * writes outside status (the finalizer). Types and paths only: no client, so both transports
 * (http-job-transport.ts, src/in-process-client) and the controller read it without loading
 * client-node.
 *
 * Finalizer changes are JSON patches with a `test` of the current list, so a concurrent change of
 * `metadata.finalizers` (another controller's finalizer) makes the call fail with a conflict (the
 * reconcile is retried with fresh state) instead of overwriting it.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectKey } from '../api/job-reporting.ts';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';

export interface JobObject extends KubernetesObject {
  spec?: unknown;
  status?: unknown;
}

/** The informer path: one namespace, or all of them. */
export function jobsPath(namespace?: string): string {
  return namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
}

/** Writes finalizers (the controller's only writes outside status). */
export interface FinalizerClient {
  add(key: ObjectKey, current: readonly string[] | undefined): Promise<void>;
  /** Resolves also when the object is already gone. */
  remove(key: ObjectKey, current: readonly string[]): Promise<void>;
}
