/**
 * The pure core of the label source: given the objects the labels ask for and the objects of one
 * kind that exist in the namespace, what to create, replace and delete. Only objects this source
 * owns (its ownership label, see OWNER_LABEL) are ever replaced or deleted; a desired name held by
 * anything else (a user's job or Secret, another node's source) is a conflict, reported and left
 * alone.
 *
 * "Changed" compares what the labels decide (a job's or notifier's spec with defaults applied, a
 * Secret's values, and this source's labels and annotations), not what the API server or the
 * controllers add (status, finalizers, managed fields, a Secret's `data` encoding), so an
 * unchanged container never causes a write.
 */

import { validateScheduledDockerJob } from '../api/validate.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';
import type { KubeObject } from '../import/index.ts';

/** Label on every object the source writes: which source owns it (a digest of the node name). */
export const OWNER_LABEL = 'ofelia.dev/docker-labels-owner';

export interface ExistingObject {
  metadata: {
    name: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: unknown;
  /** A Secret's values, base64 as the API server keeps them. */
  data?: Record<string, string>;
}

export type SyncAction =
  | { kind: 'create'; object: KubeObject }
  | { kind: 'replace'; object: KubeObject; existing: ExistingObject }
  | { kind: 'delete'; name: string; existing: ExistingObject }
  | { kind: 'conflict'; name: string; reason: string };

/** `desired` and `existing` are of one kind (`kind`, as in the objects' `kind` field). */
export function planSync(
  desired: readonly KubeObject[],
  existing: readonly ExistingObject[],
  owner: string,
  kind = 'ScheduledDockerJob',
): SyncAction[] {
  const actions: SyncAction[] = [];
  const byName = new Map(existing.map((e) => [e.metadata.name, e]));
  const wanted = new Set<string>();
  const what = kindWord(kind);
  for (const object of desired) {
    const name = object.metadata.name;
    wanted.add(name);
    const current = byName.get(name);
    if (!current) {
      actions.push({ kind: 'create', object });
      continue;
    }
    const holder = current.metadata.labels?.[OWNER_LABEL];
    if (holder !== owner) {
      actions.push({
        kind: 'conflict',
        name,
        reason: holder
          ? `${what} ${name} belongs to the Docker-label source of another node (${holder})`
          : `${what} ${name} exists and was not made from Docker labels; it is left alone`,
      });
      continue;
    }
    if (current.metadata.deletionTimestamp) continue; // being deleted: created again on a later pass
    if (changed(object, current)) actions.push({ kind: 'replace', object, existing: current });
  }
  for (const e of existing) {
    if (wanted.has(e.metadata.name) || e.metadata.labels?.[OWNER_LABEL] !== owner) continue;
    if (e.metadata.deletionTimestamp) continue;
    actions.push({ kind: 'delete', name: e.metadata.name, existing: e });
  }
  return actions;
}

function kindWord(kind: string): string {
  return kind === 'ScheduledDockerJob' ? 'job' : kind === 'JobNotifier' ? 'notifier' : kind;
}

function changed(object: KubeObject, current: ExistingObject): boolean {
  if (content(object) !== content(current, object.kind)) return true;
  for (const field of ['labels', 'annotations'] as const) {
    for (const [k, v] of Object.entries(object.metadata[field] ?? {})) {
      if (current.metadata[field]?.[k] !== v) return true;
    }
  }
  return false;
}

/** What the labels decide of an object, as canonical JSON (keys sorted). */
function content(object: KubeObject | ExistingObject, kind = (object as KubeObject).kind): string {
  if (kind === 'Secret') return canonical(secretValues(object as KubeObject));
  const meta = { name: 'x' };
  const checked =
    kind === 'JobNotifier'
      ? validateJobNotifier({ apiVersion: 'ofelia.dev/v1alpha1', kind, metadata: meta, spec: object.spec })
      : validateScheduledDockerJob({
          apiVersion: 'ofelia.dev/v1alpha1',
          kind,
          metadata: meta,
          spec: object.spec,
        });
  if (!checked.ok) return canonical(object.spec);
  return canonical('job' in checked ? checked.job.spec : checked.notifier.spec);
}

/** A Secret's values as text: `stringData` as written, or `data` decoded as the server keeps it. */
function secretValues(secret: KubeObject | ExistingObject): Record<string, string> {
  const values: Record<string, string> = {};
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  for (const [k, v] of Object.entries(data)) values[k] = Buffer.from(v, 'base64').toString('utf8');
  const text = (secret as { stringData?: Record<string, string> }).stringData ?? {};
  for (const [k, v] of Object.entries(text)) values[k] = v;
  return values;
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
