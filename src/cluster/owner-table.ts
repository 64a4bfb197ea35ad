/**
 * The owner of every job, kept current across membership changes (pure): what `owns(uid)` reads.
 *
 * In: the job uids asked about, and each new member set (RendezvousSet). Out: the owner of a uid,
 * the same as `set.ownerOf(uid)` for the current set, always.
 * Asking the set costs one score per member (1,000 members: 1,000 scores per job); after a
 * membership change a full recompute is jobs x members. This table remembers each job's owner
 * and its strength, and on a change does only what the change requires:
 * - members joined: each job compares its owner's strength with the joiners' only (rendezvous:
 *   a job moves only onto a joiner that beats its owner) -- jobs x joiners;
 * - members left: only the jobs they owned are scored again over the new set -- about
 *   jobs / members x members;
 * - a weight changed, or the uniform/weighted mode did, or more than a quarter of the set changed:
 *   everything is forgotten and recomputed when asked (as rare as it is expensive).
 * Bounded: jobs are forgotten when deleted (`forget`), and at most `maxEntries` are remembered;
 * past it the table starts over (a job asked again is computed again, as without the table). Never: a different answer from the set itself.
 */
import { hashString, RendezvousSet } from './rendezvous.ts';

interface Entry {
  keyHash: number;
  /** Index into the current set's names. */
  owner: number;
  strength: number;
}

/** What one change cost, for metrics and the benchmark. */
export interface OwnerTableUpdate {
  mode: 'unchanged' | 'incremental' | 'reset';
  /** Jobs whose owner changed (incremental), or all forgotten (reset). */
  moved: number;
}

export class OwnerTable {
  private set = new RendezvousSet([]);
  private entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 1_000_000) {}

  get members(): RendezvousSet {
    return this.set;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The owner of a job uid over the current set, or undefined for an empty set. */
  ownerOf(uid: string): string | undefined {
    let e = this.entries.get(uid);
    if (!e) {
      if (this.set.size === 0) return undefined;
      const keyHash = hashString(uid);
      const owner = this.set.ownerIndexOfHash(keyHash);
      e = { keyHash, owner, strength: this.set.strength(keyHash, owner) };
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(uid, e);
    }
    return this.set.names[e.owner];
  }

  /** Forget a job (deleted): keeps the table to the jobs that exist. */
  forget(uid: string): void {
    this.entries.delete(uid);
  }

  /** Move to a new member set, updating the remembered owners as cheaply as the change allows. */
  update(next: RendezvousSet): OwnerTableUpdate {
    const prev = this.set;
    const joined: number[] = [];
    const left = new Set<number>();
    let reweighted = prev.uniform !== next.uniform;
    for (let i = 0; i < next.size; i++) {
      const name = next.names[i]!;
      const w = prev.weightOf(name);
      if (w === undefined) joined.push(i);
      else if (w !== next.weightOf(name)) reweighted = true;
    }
    for (let i = 0; i < prev.size; i++) if (!next.has(prev.names[i]!)) left.add(i);
    this.set = next;
    if (joined.length === 0 && left.size === 0 && !reweighted) return { mode: 'unchanged', moved: 0 };
    if (reweighted || prev.size === 0 || next.size === 0 || joined.length + left.size > next.size / 4) {
      const moved = this.entries.size;
      this.entries.clear();
      return { mode: 'reset', moved };
    }
    // Old indices to new ones (names are sorted in both).
    const remap = new Int32Array(prev.size).fill(-1);
    for (let i = 0; i < prev.size; i++) remap[i] = next.indexOf(prev.names[i]!);
    let moved = 0;
    for (const e of this.entries.values()) {
      if (left.has(e.owner)) {
        e.owner = next.ownerIndexOfHash(e.keyHash);
        e.strength = next.strength(e.keyHash, e.owner);
        moved++;
        continue;
      }
      e.owner = remap[e.owner]!;
      const owner = e.owner;
      for (const j of joined) {
        const s = next.strength(e.keyHash, j);
        // Ties go to the smaller name, as in the set itself.
        if (s > e.strength || (s === e.strength && j < e.owner)) {
          e.owner = j;
          e.strength = s;
        }
      }
      if (e.owner !== owner) moved++;
    }
    return { mode: 'incremental', moved };
  }
}
