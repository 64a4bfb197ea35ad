/**
 * Where the label source keeps what it makes: the objects of one kind in one namespace
 * (ScheduledDockerJobs, JobNotifiers, Secrets), through the Kubernetes API: in-process against
 * the embedded server (in-process-object-store.ts) or over HTTPS with client-node
 * (kube-object-store.ts), a timeout on every call either way. A small interface, so the source's
 * logic can be driven by a fake in unit tests and by the real API server everywhere else.
 */
import type { KubeObject } from '../import/index.ts';
import { type ExistingObject, OWNER_LABEL } from './sync-plan.ts';

export interface LabelObjectStore {
  /** The objects of the namespace that carry this owner's label. */
  list(): Promise<ExistingObject[]>;
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

/** The label selector of one source's objects. */
export function ownerSelector(owner: string): string {
  return `${OWNER_LABEL}=${owner}`;
}

/** Metadata for a replace: the existing object's, with the source's labels and annotations over it. */
export function replacedMetadata(object: KubeObject, existing: ExistingObject) {
  return {
    ...existing.metadata,
    labels: { ...(existing.metadata.labels ?? {}), ...(object.metadata.labels ?? {}) },
    annotations: { ...(existing.metadata.annotations ?? {}), ...(object.metadata.annotations ?? {}) },
  };
}
