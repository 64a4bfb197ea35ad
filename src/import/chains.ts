/**
 * The netresearch fork's job chains to `spec.after` (docs/chains.md). In the fork every chain key
 * is one edge "child runs when parent finishes so": `depends-on = P` on J and `on-success = J` on
 * P are the same edge (P -> J, Succeeded), `on-failure = C` on J is (J -> C, Failed). Each edge
 * becomes `{job: PARENT, on}` in the child's `spec.after`; the child keeps its own schedule, as
 * in the fork (a job with dependencies still runs on its own schedule there too).
 *
 * What differs, reported: a child with several parents runs here after EACH parent's finish; the
 * fork runs it once, when all of them have finished in the same workflow run. A name that is no
 * job (the fork refuses to start) leaves that edge out; a cycle (the fork refuses to start) is
 * kept and reported (the operator holds those jobs Ready=False ChainCycle).
 * Pure; mutates the jobs' specs and appends issues.
 */
import { canonicalKey } from './keys.ts';
import type { ImportIssue } from './report.ts';
import { sectionTitle } from './report.ts';
import type { OfeliaEntry, OfeliaSection } from './sections.ts';

/** A built job, as the chains see it. */
export interface ChainJob {
  section: OfeliaSection;
  /** The job's object name. */
  name: string;
  entries: ReadonlyMap<string, OfeliaEntry>;
  spec: Record<string, unknown>;
}

type On = 'Succeeded' | 'Failed';
interface Edge {
  parent: ChainJob;
  child: ChainJob;
  on: On;
  /** Where it was written. */
  from: ChainJob;
  entry: OfeliaEntry;
}

/** spec.after holds at most this many entries (schema.ts). */
const MAX_AFTER = 20;

export function translateChains(
  jobs: readonly ChainJob[],
  leftOut: readonly OfeliaSection[],
  issues: ImportIssue[],
): void {
  const issue = (
    s: OfeliaSection,
    e: OfeliaEntry | undefined,
    kind: ImportIssue['kind'],
    reason: string,
  ): void => {
    issues.push({
      kind,
      source: s.source,
      line: e?.line ?? s.line,
      section: sectionTitle(s.kind, s.name),
      key: e?.key ?? '',
      reason,
    });
  };
  const edges: Edge[] = [];
  for (const job of jobs) {
    for (const [key, on, parentIsThis] of [
      ['depends-on', 'Succeeded', false],
      ['on-success', 'Succeeded', true],
      ['on-failure', 'Failed', true],
    ] as const) {
      const entry = job.entries.get(canonicalKey(key));
      if (!entry) continue;
      for (const ref of entry.values.flatMap(names)) {
        const other = resolve(ref, job, jobs);
        if (typeof other === 'string') {
          const gone = leftOut.some((s) => s.name === ref);
          issue(
            job.section,
            entry,
            'invalid',
            other === 'ambiguous'
              ? `"${ref}" names more than one job (qualify it as SERVICE.JOB); this chain is left out`
              : gone
                ? `job "${ref}" was left out of the import; this chain is left out`
                : `no job is named "${ref}" (the fork refuses to start with it); this chain is left out`,
          );
          continue;
        }
        const [parent, child] = parentIsThis ? [job, other] : [other, job];
        if (edges.some((x) => x.parent === parent && x.child === child && x.on === on)) continue;
        edges.push({ parent, child, on, from: job, entry });
      }
    }
  }
  const byChild = new Map<ChainJob, Edge[]>();
  for (const e of edges) byChild.set(e.child, [...(byChild.get(e.child) ?? []), e]);
  for (const [child, list] of byChild) {
    const kept = list.slice(0, MAX_AFTER);
    for (const e of list.slice(MAX_AFTER))
      issue(
        e.from.section,
        e.entry,
        'unsupported',
        `${child.name} already follows ${MAX_AFTER} jobs (spec.after holds at most ${MAX_AFTER}); the chain from ${e.parent.name} is left out`,
      );
    child.spec.after = kept.map((e) => ({ job: e.parent.name, on: e.on }));
    if (kept.length > 1)
      issue(
        child.section,
        undefined,
        'different-meaning',
        `runs after each matching finish of each of ${kept.map((e) => e.parent.name).join(', ')} (spec.after); the fork ran it once, when all of them had finished in the same workflow run. For "after all", chain them in a line (docs/chains.md)`,
      );
  }
  for (const cycle of cycles(byChild)) {
    const first = cycle[0]!;
    issue(
      first.section,
      undefined,
      'different-meaning',
      `the chains form a cycle (${[...cycle, first].map((j) => j.name).join(' -> ')}): the fork refuses to start; the operator keeps these jobs Ready=False (ChainCycle) and runs none of them until an edge is removed`,
    );
  }
}

/** The fork splits nothing, but a comma list is what a user may write: both are read. */
function names(value: string): string[] {
  return value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

/**
 * The job a chain key names. INI: the Ofelia job name. Labels: the fork names exec jobs
 * `SERVICE.JOB` (service = the Compose service, else the container name); a bare name means the
 * job of that name on the same container first, then the only job of that name.
 */
function resolve(ref: string, from: ChainJob, jobs: readonly ChainJob[]): ChainJob | 'ambiguous' | 'missing' {
  const aliases = (j: ChainJob): string[] => {
    const c = j.section.container;
    const n = j.section.name ?? '';
    if (!c) return [n];
    return [
      n,
      `${c.composeService ?? c.name}.${n}`,
      `${c.name}.${n}`,
      `${c.name}.${c.composeService ?? ''}.${n}`,
    ];
  };
  const found = jobs.filter((j) => aliases(j).includes(ref));
  const here = from.section.container
    ? found.filter((j) => j.section.container?.id === from.section.container?.id && j.section.name === ref)
    : [];
  if (here.length === 1) return here[0]!;
  const exact = found.filter((j) => j.section.name === ref || !j.section.container);
  const pick = exact.length === 1 ? exact : found;
  if (pick.length === 1) return pick[0]!;
  return pick.length === 0 ? 'missing' : 'ambiguous';
}

/** Each cycle of the after graph once (as the list of jobs on it, from its first job). */
function cycles(byChild: ReadonlyMap<ChainJob, Edge[]>): ChainJob[][] {
  const out: ChainJob[][] = [];
  const state = new Map<ChainJob, 'open' | 'done'>();
  const path: ChainJob[] = [];
  const visit = (j: ChainJob): void => {
    state.set(j, 'open');
    path.push(j);
    for (const e of byChild.get(j) ?? []) {
      const s = state.get(e.parent);
      if (s === 'open') out.push(path.slice(path.indexOf(e.parent)).reverse());
      else if (s === undefined) visit(e.parent);
    }
    path.pop();
    state.set(j, 'done');
  };
  for (const j of byChild.keys()) if (!state.has(j)) visit(j);
  return out;
}
