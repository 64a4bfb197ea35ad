/**
 * Who holds the heap: every object's self size charged to its nearest owner in the dominator tree
 * (the closest dominating object of a named class, i.e. not a plain Object, Array, Map, Set or a
 * V8-internal node), with the property through which that owner holds it. With two snapshots and a
 * job count, the difference per job by owner: `JobState.job`, `StoredObject.text`,
 * `InProcessInformer.cache`... — what heap-summary.ts cannot say (it sums by type only). A reading
 * aid, not a benchmark (run.ts does not run it).
 *
 *   node --max-old-space-size=4096 --import tsx bench/heap-owners.ts A.heapsnapshot [B.heapsnapshot --per=N] [--top=40]
 *
 * Dominators: Cooper, Harvey and Kennedy's iterative algorithm ("A Simple, Fast Dominance
 * Algorithm") over the graph without weak edges, from the snapshot's root.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

type Summary = Map<string, { bytes: number; count: number }>;

/** Classes that only structure data: what they dominate is charged to whoever holds them. */
const STRUCTURAL = new Set(['Object', 'Array', 'Map', 'Set', '(object properties)', '(object elements)']);

/** `--detail=OWNER.property`: that owner's share, by node type and name, instead of all owners. */
const detail = process.argv.find((a) => a.startsWith('--detail='))?.slice('--detail='.length);

function ownersOf(file: string): Summary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const { meta } = s.snapshot;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const iType = meta.node_fields.indexOf('type');
  const iName = meta.node_fields.indexOf('name');
  const iSize = meta.node_fields.indexOf('self_size');
  const iEdgeCount = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf('weak');
  const elementEdge = edgeTypes.indexOf('element');
  const hiddenEdge = edgeTypes.indexOf('hidden');
  const objectType = nodeTypes.indexOf('object');
  const n = s.nodes.length / nodeWidth;

  const firstEdge = new Int32Array(n + 1);
  for (let i = 0, e = 0; i < n; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * nodeWidth + iEdgeCount]! * edgeWidth;
    firstEdge[i + 1] = e;
  }
  const target = (e: number) => s.edges[e + eTo]! / nodeWidth;
  const strong = (e: number) => s.edges[e + eType] !== weak;

  // Post-order numbers from the root (node 0), iteratively.
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const visited = new Uint8Array(n);
  const stack: number[] = [0];
  const cursor = new Int32Array(n);
  visited[0] = 1;
  for (let i = 0; i < n; i++) cursor[i] = firstEdge[i]!;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    let pushed = false;
    while (cursor[v]! < firstEdge[v + 1]!) {
      const e = cursor[v]!;
      cursor[v] = e + edgeWidth;
      if (!strong(e)) continue;
      const w = target(e);
      if (visited[w]) continue;
      visited[w] = 1;
      stack.push(w);
      pushed = true;
      break;
    }
    if (!pushed) {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }

  // Predecessors (strong edges between reachable nodes), compressed.
  const predCount = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += edgeWidth)
      if (strong(e)) predCount[target(e) + 1]!++;
  }
  for (let i = 0; i < n; i++) predCount[i + 1]! += predCount[i]!;
  const preds = new Int32Array(predCount[n]!);
  const fill = predCount.slice();
  for (let v = 0; v < n; v++) {
    if (!visited[v]) continue;
    for (let e = firstEdge[v]!; e < firstEdge[v + 1]!; e += edgeWidth)
      if (strong(e)) preds[fill[target(e)]!++] = v;
  }

  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    let x = a;
    let y = b;
    while (x !== y) {
      while (post[x]! < post[y]!) x = idom[x]!;
      while (post[y]! < post[x]!) y = idom[y]!;
    }
    return x;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) {
      const v = order[k]!;
      let d = -1;
      for (let p = predCount[v]!; p < predCount[v + 1]!; p++) {
        const u = preds[p]!;
        if (idom[u] === -1) continue;
        d = d === -1 ? u : intersect(u, d);
      }
      if (d !== -1 && idom[v] !== d) {
        idom[v] = d;
        changed = true;
      }
    }
  }

  const name = (v: number) => s.strings[s.nodes[v * nodeWidth + iName]!]!;
  const isOwner = (v: number) =>
    v === 0 || (s.nodes[v * nodeWidth + iType] === objectType && !STRUCTURAL.has(name(v)) && name(v) !== '');
  /** The property of `owner` through which it holds `child` (its dominator-tree child). */
  const edgeName = (owner: number, child: number) => {
    for (let e = firstEdge[owner]!; e < firstEdge[owner + 1]!; e += edgeWidth) {
      if (target(e) !== child) continue;
      const t = s.edges[e + eType]!;
      const nameOrIndex = s.edges[e + eName]!;
      return t === elementEdge || t === hiddenEdge ? `[${nameOrIndex}]` : s.strings[nameOrIndex]!;
    }
    return '?';
  };
  // In reverse post-order every node comes after its dominator: one pass labels them all.
  const label: string[] = new Array(n);
  label[0] = '(root)';
  const out: Summary = new Map();
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k]!;
    if (v !== 0) {
      const d = idom[v]!;
      label[v] = isOwner(d)
        ? `${d === 0 ? '(root)' : name(d).slice(0, 40)}.${edgeName(d, v).slice(0, 40)}`
        : label[d]!;
    }
    if (detail !== undefined && label[v] !== detail) continue;
    const key =
      detail === undefined
        ? label[v]!
        : `${nodeTypes[s.nodes[v * nodeWidth + iType]!]}: ${name(v).slice(0, 50).replace(/[|\n]/g, ' ')}`;
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += s.nodes[v * nodeWidth + iSize]!;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const opt = (key: string) => args.find((a) => a.startsWith(`--${key}=`))?.split('=')[1];
const top = Number(opt('top') ?? 40);
const per = Number(opt('per') ?? 1);
const a = ownersOf(files[0]!);
const total = (m: Summary) => [...m.values()].reduce((x, e) => x + e.bytes, 0);
if (files.length === 1) {
  console.log(`${files[0]}: ${(total(a) / 1e6).toFixed(1)} MB reachable\n`);
  console.log('| owner.property | MB | objects |');
  console.log('|---|---:|---:|');
  for (const [k, e] of [...a].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top))
    console.log(`| ${k} | ${(e.bytes / 1e6).toFixed(2)} | ${e.count} |`);
} else {
  const b = ownersOf(files[1]!);
  const diff: Summary = new Map();
  for (const [k, e] of b) diff.set(k, { ...e });
  for (const [k, e] of a) {
    const d = diff.get(k) ?? { bytes: 0, count: 0 };
    d.bytes -= e.bytes;
    d.count -= e.count;
    diff.set(k, d);
  }
  const grown = total(b) - total(a);
  console.log(
    `${(total(a) / 1e6).toFixed(1)} MB -> ${(total(b) / 1e6).toFixed(1)} MB reachable: +${(grown / 1e6).toFixed(1)} MB, ${(grown / per).toFixed(0)} B per unit (${per})\n`,
  );
  console.log('| owner.property | bytes per unit | objects per unit |');
  console.log('|---|---:|---:|');
  for (const [k, e] of [...diff].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top))
    console.log(`| ${k} | ${(e.bytes / per).toFixed(0)} | ${(e.count / per).toFixed(2)} |`);
}
