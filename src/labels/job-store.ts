/**
 * Where the label source keeps its jobs: the ScheduledDockerJobs of one namespace, through the
 * Kubernetes API (client-node, a timeout on every call). A small interface, so the source's logic
 * can be driven by a fake in unit tests and by the real API server everywhere else.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import type { KubeObject } from '../import/index.ts';
import { makeKubeClients, withTimeout } from '../kube/clients.ts';
import { type ExistingJob, OWNER_LABEL } from './sync-plan.ts';

export interface LabelJobStore {
  /** The jobs of the namespace that carry this owner's label. */
  list(): Promise<ExistingJob[]>;
  /** Any job by name (to tell a conflict from a free name), or undefined. */
  get(name: string): Promise<ExistingJob | undefined>;
  create(job: KubeObject): Promise<void>;
  /** Replaces spec, labels and annotations; keeps finalizers and status. */
  replace(job: KubeObject, existing: ExistingJob): Promise<void>;
  delete(name: string): Promise<void>;
}

export function kubeLabelJobStore(
  kubeConfig: KubeConfig,
  namespace: string,
  owner: string,
  timeoutMs = 10_000,
): LabelJobStore {
  const api = makeKubeClients(kubeConfig).customObjects;
  const base = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
  return {
    async list() {
      const list = (await api.listNamespacedCustomObject(
        { ...base, labelSelector: `${OWNER_LABEL}=${owner}` },
        withTimeout(timeoutMs),
      )) as { items?: ExistingJob[] };
      return list.items ?? [];
    },
    async get(name) {
      try {
        return (await api.getNamespacedCustomObject(
          { ...base, name },
          withTimeout(timeoutMs),
        )) as ExistingJob;
      } catch (e) {
        if ((e as { code?: number }).code === 404) return undefined;
        throw e;
      }
    },
    async create(job) {
      await api.createNamespacedCustomObject({ ...base, body: job }, withTimeout(timeoutMs));
    },
    async replace(job, existing) {
      const body = {
        ...job,
        metadata: {
          ...existing.metadata,
          labels: { ...(existing.metadata.labels ?? {}), ...(job.metadata.labels ?? {}) },
          annotations: { ...(existing.metadata.annotations ?? {}), ...(job.metadata.annotations ?? {}) },
        },
      };
      await api.replaceNamespacedCustomObject(
        { ...base, name: job.metadata.name, body },
        withTimeout(timeoutMs),
      );
    },
    async delete(name) {
      try {
        await api.deleteNamespacedCustomObject({ ...base, name }, withTimeout(timeoutMs));
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
    },
  };
}
