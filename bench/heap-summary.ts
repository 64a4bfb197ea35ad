/**
 * Sums V8 heap snapshots (e.g. from `npm run bench -- scale --heap-snapshots=DIR`) by node type and
 * constructor, and with two snapshots and a job count, the difference per job: what each job
 * costs, by kind of object. Not a benchmark (run.ts does not run it): a reading aid.
 *
 *   node --max-old-space-size=4096 --import tsx bench/heap-summary.ts A.heapsnapshot [B.heapsnapshot --per=N] [--top=40]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Summary = Map<string, { bytes: number; count: number }>;

function summarize(file: string): Summary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out: Summary = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    const name = s.strings[s.nodes[i + iName]!]!;
    const key =
      type === 'object' || type === 'closure' || type === 'native'
        ? `${type}: ${name.slice(0, 60)}`
        : type === 'hidden' || type === 'code'
          ? `${type}: ${name.slice(0, 40)}`
          : type;
    const e = out.get(key) ?? { bytes: 0, count: 0 };
    e.bytes += s.nodes[i + iSize]!;
    e.count++;
    out.set(key, e);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const opt = (n: string) => args.find((a) => a.startsWith(`--${n}=`))?.split('=')[1];
const top = Number(opt('top') ?? 40);
const per = Number(opt('per') ?? 1);
const a = summarize(files[0]!);
const total = (m: Summary) => [...m.values()].reduce((x, e) => x + e.bytes, 0);
if (files.length === 1) {
  console.log(`${files[0]}: ${(total(a) / 1e6).toFixed(1)} MB of self sizes\n`);
  console.log('| type / constructor | MB | count |');
  console.log('|---|---:|---:|');
  for (const [k, e] of [...a].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top))
    console.log(`| ${k} | ${(e.bytes / 1e6).toFixed(2)} | ${e.count} |`);
} else {
  const b = summarize(files[1]!);
  const diff = new Map<string, { bytes: number; count: number }>();
  for (const [k, e] of b) diff.set(k, { bytes: e.bytes, count: e.count });
  for (const [k, e] of a) {
    const d = diff.get(k) ?? { bytes: 0, count: 0 };
    d.bytes -= e.bytes;
    d.count -= e.count;
    diff.set(k, d);
  }
  const grown = total(b) - total(a);
  console.log(
    `${(total(a) / 1e6).toFixed(1)} MB -> ${(total(b) / 1e6).toFixed(1)} MB: +${(grown / 1e6).toFixed(1)} MB, ${(grown / per).toFixed(0)} B per unit (${per})\n`,
  );
  console.log('| type / constructor | bytes per unit | count per unit |');
  console.log('|---|---:|---:|');
  for (const [k, e] of [...diff].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, top))
    console.log(`| ${k} | ${(e.bytes / per).toFixed(0)} | ${(e.count / per).toFixed(2)} |`);
}
