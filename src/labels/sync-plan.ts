/**
 * The pure core of the label source: given the jobs the labels ask for and the jobs that exist in
 * the namespace, what to create, replace and delete. Only objects this source owns (its
 * ownership label, see OWNER_LABEL) are ever replaced or deleted; a desired name held by anything
 * else (a user's job, another node's source) is a conflict, reported and left alone.
 *
 * "Changed" compares what the labels decide (spec with defaults applied, and this source's
 * labels and annotations), not what the API server or the controller add (status, finalizers,
 * managed fields), so an unchanged container never causes a write.
 */
import { validateScheduledDockerJob } from '../api/validate.ts';
import type { KubeObject } from '../import/index.ts';

/** Label on every job the source writes: which source owns it (a digest of the node name). */
export const OWNER_LABEL = 'ofelia.dev/docker-labels-owner';

export interface ExistingJob {
  metadata: {
    name: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: unknown;
}

export type SyncAction =
  | { kind: 'create'; job: KubeObject }
  | { kind: 'replace'; job: KubeObject; existing: ExistingJob }
  | { kind: 'delete'; name: string; existing: ExistingJob }
  | { kind: 'conflict'; name: string; reason: string };

export function planSync(
  desired: readonly KubeObject[],
  existing: readonly ExistingJob[],
  owner: string,
): SyncAction[] {
  const actions: SyncAction[] = [];
  const byName = new Map(existing.map((e) => [e.metadata.name, e]));
  const wanted = new Set<string>();
  for (const job of desired) {
    const name = job.metadata.name;
    wanted.add(name);
    const current = byName.get(name);
    if (!current) {
      actions.push({ kind: 'create', job });
      continue;
    }
    const holder = current.metadata.labels?.[OWNER_LABEL];
    if (holder !== owner) {
      actions.push({
        kind: 'conflict',
        name,
        reason: holder
          ? `job ${name} belongs to the Docker-label source of another node (${holder})`
          : `job ${name} exists and was not made from Docker labels; it is left alone`,
      });
      continue;
    }
    if (current.metadata.deletionTimestamp) continue; // being deleted: created again on a later pass
    if (changed(job, current)) actions.push({ kind: 'replace', job, existing: current });
  }
  for (const e of existing) {
    if (wanted.has(e.metadata.name) || e.metadata.labels?.[OWNER_LABEL] !== owner) continue;
    if (e.metadata.deletionTimestamp) continue;
    actions.push({ kind: 'delete', name: e.metadata.name, existing: e });
  }
  return actions;
}

function changed(job: KubeObject, current: ExistingJob): boolean {
  const want = withDefaults(job.spec);
  const have = withDefaults(current.spec);
  if (want !== have) return true;
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(job.metadata[field] ?? {})) {
      if (current.metadata[field]?.[k] !== v) return true;
    }
  }
  return false;
}

/** The spec with the schema's defaults, as canonical JSON (keys sorted). */
function withDefaults(spec: unknown): string {
  const checked = validateScheduledDockerJob({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'x' },
    spec,
  });
  return canonical(checked.ok ? checked.job.spec : spec);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
