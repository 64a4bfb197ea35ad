/**
 * Spreading jobs over replicas (src/cluster/), simulated: 1,000 replicas and 100,000 jobs, pure,
 * on a fake clock (no API server, no Docker). Rendezvous hashing against the obvious baseline,
 * `hash(uid) mod N`, measured in the same run:
 * - balance: jobs per replica, max/mean and min/mean;
 * - jobs moved when one replica leaves and when one joins, against the ideal 1/N;
 * - time to recompute the owner of every job after a change: in full, and incrementally (the
 *   OwnerTable each replica keeps: a join compares each job with the joiner only, a leave
 *   rescores only the leaver's jobs), in the same run, checked to give the same owners;
 * - weights: replicas of weight 1, 2 and 4 (a third each): each one's jobs per unit of weight,
 *   and the jobs moved when one leaves or joins against the ideal (its weight / the sum);
 * - membership: one replica's Ownership fed the 1,000 member Leases through its view, listing
 *   as the member loop does (every retry period, and when a member is due to expire), a member
 *   silent for a lease duration expires, time to observe a list and rebuild the set.
 *
 *   node --import tsx bench/cluster-ownership.bench.ts        (or: npm run bench -- cluster)
 */
import { type MemberLease, memberLeaseName } from '../src/cluster/member-lease.ts';
import { OwnerTable } from '../src/cluster/owner-table.ts';
import { Ownership } from '../src/cluster/ownership.ts';
import { hashString, RendezvousSet } from '../src/cluster/rendezvous.ts';

const REPLICAS = Number(process.env.REPLICAS ?? 1_000);
const JOBS = Number(process.env.JOBS ?? 100_000);
const T0 = Date.UTC(2026, 0, 1);

const nodes = Array.from({ length: REPLICAS }, (_, i) => `node-${String(i).padStart(4, '0')}`);
// uid-like strings, deterministic: the bench is reproducible.
const uids = Array.from({ length: JOBS }, (_, i) => {
  const h = hashString(`job-${i}`).toString(16).padStart(8, '0');
  return `${h}-${String(i).padStart(4, '0').slice(-4)}-4${h.slice(0, 3)}-8${h.slice(3, 6)}-${String(i).padStart(12, '0')}`;
});
const uidHashes = Uint32Array.from(uids, hashString);

interface Strategy {
  name: string;
  /** Owners (index into `members`) of every job. */
  owners(members: readonly string[]): string[];
}

const rendezvous: Strategy = {
  name: 'rendezvous (HRW)',
  owners(members) {
    const set = new RendezvousSet(members);
    const out = new Array<string>(JOBS);
    for (let j = 0; j < JOBS; j++) out[j] = set.ownerOfHash(uidHashes[j]!)!;
    return out;
  },
};

const modulo: Strategy = {
  name: 'baseline: hash mod N',
  owners(members) {
    const sorted = [...members].sort();
    const out = new Array<string>(JOBS);
    for (let j = 0; j < JOBS; j++) out[j] = sorted[uidHashes[j]! % sorted.length]!;
    return out;
  },
};

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

function balance(owners: readonly string[], members: readonly string[]): { max: number; min: number } {
  const counts = new Map<string, number>(members.map((m) => [m, 0]));
  for (const o of owners) counts.set(o, (counts.get(o) ?? 0) + 1);
  const mean = owners.length / members.length;
  const values = [...counts.values()];
  return { max: Math.max(...values) / mean, min: Math.min(...values) / mean };
}

function moved(a: readonly string[], b: readonly string[]): number {
  let n = 0;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) n++;
  return n;
}

const leaving = nodes[Math.floor(REPLICAS / 3)]!;
const without = nodes.filter((n) => n !== leaving);
const joining = 'node-new';
const withNew = [...nodes, joining];

const rows: Record<string, string | number>[] = [];
for (const s of [rendezvous, modulo]) {
  const full = timed(() => s.owners(nodes));
  const left = s.owners(without);
  const joined = s.owners(withNew);
  const b = balance(full.value, nodes);
  const movedLeave = moved(full.value, left);
  const movedJoin = moved(full.value, joined);
  rows.push({
    strategy: s.name,
    'max/mean': b.max.toFixed(3),
    'min/mean': b.min.toFixed(3),
    'moved on leave': movedLeave,
    'leave vs ideal': (movedLeave / (JOBS / REPLICAS)).toFixed(2),
    'moved on join': movedJoin,
    'join vs ideal': (movedJoin / (JOBS / (REPLICAS + 1))).toFixed(2),
    'recompute all (ms)': Math.round(full.ms),
  });
}
console.log(
  `${REPLICAS} replicas, ${JOBS} jobs; ideal moves: leave ${JOBS / REPLICAS}, join ${(JOBS / (REPLICAS + 1)).toFixed(0)}`,
);
console.table(rows);

// ---- incremental recompute: the OwnerTable against a full recompute, same run, same answers ----
function ownersOf(table: OwnerTable): string[] {
  const out = new Array<string>(JOBS);
  for (let j = 0; j < JOBS; j++) out[j] = table.ownerOf(uids[j]!)!;
  return out;
}
const incrementalRows: Record<string, string | number>[] = [];
for (const [change, after] of [
  ['one leaves', without],
  ['one joins', withNew],
] as const) {
  const table = new OwnerTable();
  table.update(new RendezvousSet(nodes));
  ownersOf(table);
  const full = timed(() => rendezvous.owners(after));
  const upd = timed(() => table.update(new RendezvousSet(after)));
  const read = timed(() => ownersOf(table));
  const inc = { value: { update: upd.value, owners: read.value }, ms: upd.ms + read.ms };
  const same = inc.value.owners.every((o, j) => o === full.value[j]);
  if (!same) throw new Error(`incremental owners differ from the full recompute (${change})`);
  incrementalRows.push({
    change,
    'full recompute (ms)': Math.round(full.ms),
    'incremental update (ms)': upd.ms.toFixed(1),
    '+ reading all owners (ms)': read.ms.toFixed(1),
    'full / incremental': (full.ms / inc.ms).toFixed(0),
    mode: inc.value.update.mode,
    moved: inc.value.update.moved,
    'same owners': same ? 'yes' : 'NO',
  });
}
console.table(incrementalRows);

// ---- weights: a third of the replicas each of weight 1, 2 and 4 --------------------------------
const weightOfNode = (i: number) => [1, 2, 4][i % 3]!;
const weights = new Map(nodes.map((n, i) => [n, weightOfNode(i)]));
const wset = new RendezvousSet(nodes, weights);
const wOwners = uidHashes.reduce<string[]>((out, h) => {
  out.push(wset.ownerOfHash(h)!);
  return out;
}, []);
const perWeight = new Map<number, number[]>();
const wCounts = new Map<string, number>(nodes.map((n) => [n, 0]));
for (const o of wOwners) wCounts.set(o, wCounts.get(o)! + 1);
const totalWeight = [...weights.values()].reduce((a, b) => a + b, 0);
for (const [n, count] of wCounts) {
  const w = weights.get(n)!;
  perWeight.set(w, [...(perWeight.get(w) ?? []), count / w]);
}
const perUnit = JOBS / totalWeight;
const wLeaving = nodes[2]!; // weight 4
const wLeft = new RendezvousSet(
  nodes.filter((n) => n !== wLeaving),
  weights,
);
const wJoined = new RendezvousSet([...nodes, joining], new Map([...weights, [joining, 4]]));
let wMovedLeave = 0;
let wMovedJoin = 0;
for (let j = 0; j < JOBS; j++) {
  if (wLeft.ownerOfHash(uidHashes[j]!) !== wOwners[j]) wMovedLeave++;
  if (wJoined.ownerOfHash(uidHashes[j]!) !== wOwners[j]) wMovedJoin++;
}
console.table(
  [...perWeight].map(([w, perUnitCounts]) => ({
    weight: w,
    replicas: perUnitCounts.length,
    'share (ideal)': `${((perUnitCounts.reduce((a, b) => a + b, 0) * w * 100) / JOBS).toFixed(1)}% (${((perUnitCounts.length * w * 100) / totalWeight).toFixed(1)}%)`,
    'jobs per unit weight max/mean': (Math.max(...perUnitCounts) / perUnit).toFixed(3),
    'min/mean': (Math.min(...perUnitCounts) / perUnit).toFixed(3),
  })),
);
console.table([
  {
    'a weight-4 replica leaves: moved (ideal)': `${wMovedLeave} (${Math.round((JOBS * 4) / totalWeight)})`,
    'a weight-4 replica joins: moved (ideal)': `${wMovedJoin} (${Math.round((JOBS * 4) / (totalWeight + 4))})`,
  },
]);

// ---- membership on a fake clock: one replica's view of the 1,000 member Leases ----------------
const timing = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  joinDelayMs: 15_000,
  maxLeaseDurationMs: 300_000,
};
const self = nodes[0]!;
const ownership = new Ownership(self, timing);
let rv = 0;
const leasesAt = (skip?: string): MemberLease[] =>
  nodes
    .filter((n) => n !== skip)
    .map((node) => ({
      name: memberLeaseName(node),
      resourceVersion: String(++rv),
      holder: `${node}_1`,
      node,
      durationSeconds: 15,
      releasedBy: undefined,
      acquireTimeMs: T0,
      leaseTransitions: 0,
    }));
const retry = 2_000;
let now = T0;
const observeMs: number[] = [];
const tick = (skip?: string) => {
  const list = leasesAt(skip);
  const t = timed(() => {
    ownership.observe(list, now);
    return ownership.settle(
      list.find((l) => l.node === self),
      now,
      true,
      now,
    );
  });
  observeMs.push(t.ms);
  return t.value;
};
/** The member loop's next list: a retry period later, or when a member is due to expire. */
const nextTick = () => Math.min(now + retry, ownership.nextExpiry() ?? Number.POSITIVE_INFINITY);
tick();
for (now += retry; now <= T0 + timing.joinDelayMs + retry; now += retry) tick();
const membersBefore = ownership.members.length;
const activeBefore = ownership.mayRun(now);
// Its last renewal is in the tick just before: from there on it is silent.
const silentFrom = now - retry;
let expiredAfter = 0;
for (; now <= silentFrom + 2 * timing.leaseDurationMs; now = nextTick()) {
  const r = tick(leaving);
  if (r.membersChanged && !ownership.isLive(leaving)) {
    expiredAfter = now - silentFrom;
    break;
  }
}
const mine = timed(() => uids.filter((u) => ownership.owns(u, undefined, now)).length);
observeMs.sort((a, b) => a - b);
console.table([
  {
    members: `${membersBefore} -> ${ownership.members.length}`,
    'active after join delay': activeBefore,
    'expired after its last renewal (ms, fake clock)': expiredAfter,
    'bound: lease + retry (ms)': timing.leaseDurationMs + retry,
    'observe 1,000 leases p50 (ms)': observeMs[Math.floor(observeMs.length / 2)]!.toFixed(2),
    'observe max (ms)': observeMs[observeMs.length - 1]!.toFixed(2),
    'jobs owned by this replica': mine.value,
    'owns() over all jobs (ms)': Math.round(mine.ms),
  },
]);
