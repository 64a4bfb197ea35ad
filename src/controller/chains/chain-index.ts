/**
 * Which jobs follow which: upstream key -> the keys of the jobs whose `spec.after` names it, kept
 * current from informer events. It only says whom to re-queue when an upstream job changes or
 * finishes a run (the downstream job's reconcile decides, from status, what that means), so a
 * fleet without chains pays one map lookup per event.
 */
import type { RunEvent, RunObserver } from '../run-events/run-event.ts';

interface ChainedObject {
  metadata?: { namespace?: string; name?: string };
  spec?: unknown;
}

function upstreamNames(obj: ChainedObject): string[] {
  const after = (obj.spec as { after?: unknown } | undefined)?.after;
  if (!Array.isArray(after)) return [];
  return after
    .map((a) => (a as { job?: unknown } | null)?.job)
    .filter((j): j is string => typeof j === 'string' && j.length > 0);
}

export class ChainIndex {
  /** upstream key -> downstream keys */
  private readonly downstream = new Map<string, Set<string>>();
  /** downstream key -> the upstream keys it was indexed under */
  private readonly upstream = new Map<string, string[]>();

  /** The object was added or changed: index its `spec.after`. */
  set(obj: ChainedObject): void {
    const ns = obj.metadata?.namespace ?? '';
    const key = `${ns}/${obj.metadata?.name ?? ''}`;
    const ups = upstreamNames(obj).map((name) => `${ns}/${name}`);
    const before = this.upstream.get(key);
    if (before && before.length === ups.length && before.every((u, i) => u === ups[i])) return;
    this.remove(key);
    if (ups.length === 0) return;
    this.upstream.set(key, ups);
    for (const up of ups) {
      const set = this.downstream.get(up) ?? new Set<string>();
      set.add(key);
      this.downstream.set(up, set);
    }
  }

  /** The object is gone. */
  remove(key: string): void {
    for (const up of this.upstream.get(key) ?? []) {
      const set = this.downstream.get(up);
      set?.delete(key);
      if (set?.size === 0) this.downstream.delete(up);
    }
    this.upstream.delete(key);
  }

  /** Keys of the jobs that run after `key`. */
  downstreamOf(key: string): readonly string[] {
    const set = this.downstream.get(key);
    return set ? [...set] : [];
  }
}

/** Re-queues the jobs that follow a job whenever one of its runs finishes here. */
export class ChainObserver implements RunObserver {
  readonly name = 'chains';

  constructor(
    private readonly index: ChainIndex,
    private readonly enqueue: (key: string) => void,
  ) {}

  observe(event: RunEvent): void {
    if (event.type !== 'Finished') return;
    for (const key of this.index.downstreamOf(event.job.key)) this.enqueue(key);
  }
}
