/**
 * Which informer events are worth a reconcile (controller-runtime's GenerationChangedPredicate,
 * widened to what this reconciler reads).
 *
 * Every status write of this controller comes back as a watch event, and reconciling it found
 * nothing to do while costing a validation, a schedule decision and a status comparison: at
 * 10,000 jobs, a second reconcile per status write. The reconciler reads the spec, the uid, the
 * annotations (manual triggers), the labels, the finalizers and the deletion timestamp, never the
 * status of a job it owns (its own view is authoritative, job-state.ts). So an update is passed on
 * only when one of those changed since the last event of that object; adds and deletes always are.
 *
 * Memory: one number per object (a 53-bit hash of those fields, not the fields themselves).
 */
import type { JobObject } from '../kube/job-api.ts';

export class UpdateFilter {
  private readonly seen = new Map<string, number>();

  /** Record an added object; always worth a reconcile. */
  added(key: string, obj: JobObject): true {
    this.seen.set(key, signature(obj));
    return true;
  }

  /** Whether an updated object differs from the last one seen in what reconcile reads. */
  updated(key: string, obj: JobObject): boolean {
    const sig = signature(obj);
    if (this.seen.get(key) === sig) return false;
    this.seen.set(key, sig);
    return true;
  }

  /** The object is gone; always worth a reconcile. */
  deleted(key: string): true {
    this.seen.delete(key);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

export function signature(obj: JobObject): number {
  const m = obj.metadata ?? {};
  const deletion =
    m.deletionTimestamp instanceof Date ? m.deletionTimestamp.toISOString() : m.deletionTimestamp;
  return hash53(
    JSON.stringify([
      m.uid,
      m.generation,
      deletion ?? null,
      m.finalizers ?? null,
      m.annotations ?? null,
      m.labels ?? null,
      obj.spec ?? null,
    ]),
  );
}

/** cyrb53: a fast 53-bit string hash (public domain, bryc). Collisions: ~1 in 2^53 per pair. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
