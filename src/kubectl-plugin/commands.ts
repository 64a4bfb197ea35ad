/**
 * The plugin's commands over a PluginKube: what they print and their exit codes.
 * `run --wait` exits with the run's exit code (1 when it has none and did not succeed);
 * everything else exits 0, or 1 with one `error: ...` line.
 */
import { GROUP, PLURAL, RUN_NOW_ANNOTATION, VERSION } from '../api/schema.ts';
import { decodeLine } from '../output/line-format.ts';
import type { PluginArgs } from './args.ts';
import { PluginError, type PluginKube } from './plugin-kube.ts';

export interface PluginIO {
  out(text: string): void;
  err(text: string): void;
  now(): number;
}

type Obj = Record<string, unknown>;
interface Run {
  name: string;
  trigger?: string;
  result: string;
  exitCode?: number;
  scheduledTime: string;
  startTime?: string;
  finishTime?: string;
  node?: string;
  running?: boolean;
}

const jobsPath = (ns: string | undefined) =>
  ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`;

function runsOf(job: Obj): Run[] {
  const status = (job.status ?? {}) as { active?: Run[]; recentRuns?: Run[] };
  const active = (status.active ?? []).map((a) => ({ ...a, result: 'Running', running: true }));
  return [...active, ...(status.recentRuns ?? [])];
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function duration(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

function runDuration(r: Run, now: number): number | undefined {
  const start = Date.parse(r.startTime ?? r.scheduledTime);
  return (r.finishTime ? Date.parse(r.finishTime) : now) - start;
}

export async function runCommand(a: PluginArgs, kube: PluginKube, io: PluginIO): Promise<number> {
  const ns = kube.namespace;
  const jobPath = `${jobsPath(ns)}/${a.name}`;
  switch (a.command) {
    case 'suspend':
    case 'resume': {
      await kube.call(
        'PATCH',
        jobPath,
        { spec: { suspend: a.command === 'suspend' } },
        'application/merge-patch+json',
      );
      io.out(`scheduleddockerjob.${GROUP}/${a.name} ${a.command === 'suspend' ? 'suspended' : 'resumed'}\n`);
      return 0;
    }
    case 'history': {
      const job = await kube.call<Obj>('GET', jobPath);
      const runs = runsOf(job);
      if (runs.length === 0) {
        io.err(`No runs of ${ns}/${a.name} yet.\n`);
        return 0;
      }
      const rows = [['#', 'RUN', 'TRIGGER', 'RESULT', 'EXIT', 'STARTED', 'DURATION', 'NODE']];
      for (const [i, r] of runs.entries()) {
        rows.push([
          String(i + 1),
          r.name,
          r.trigger ?? '',
          r.result,
          r.exitCode === undefined ? '' : String(r.exitCode),
          r.startTime ?? r.scheduledTime,
          duration(runDuration(r, io.now())),
          r.node ?? '',
        ]);
      }
      io.out(table(rows));
      return 0;
    }
    case 'next': {
      const list = await kube.call<{ items?: Obj[] }>('GET', jobsPath(a.allNamespaces ? undefined : ns));
      const jobs = (list.items ?? []).map((j) => {
        const meta = j.metadata as Obj;
        const spec = j.spec as Obj;
        const status = (j.status ?? {}) as Obj;
        return {
          namespace: String(meta.namespace),
          name: String(meta.name),
          schedule: String(spec.schedule ?? ''),
          next: typeof status.nextScheduleTime === 'string' ? status.nextScheduleTime : undefined,
          suspended: spec.suspend === true,
        };
      });
      // Time order; jobs without a next run (suspended, @manual) last, by name.
      jobs.sort(
        (x, y) =>
          (x.next ? Date.parse(x.next) : Number.POSITIVE_INFINITY) -
            (y.next ? Date.parse(y.next) : Number.POSITIVE_INFINITY) ||
          x.namespace.localeCompare(y.namespace) ||
          x.name.localeCompare(y.name),
      );
      if (jobs.length === 0) {
        io.err(a.allNamespaces ? 'No jobs found.\n' : `No jobs found in ${ns} namespace.\n`);
        return 0;
      }
      const head = a.allNamespaces
        ? ['NAMESPACE', 'NAME', 'NEXT', 'IN', 'SCHEDULE']
        : ['NAME', 'NEXT', 'IN', 'SCHEDULE'];
      const rows = [head];
      for (const j of jobs) {
        const inText = j.next
          ? duration(Math.max(0, Date.parse(j.next) - io.now()))
          : j.suspended
            ? 'suspended'
            : '-';
        const row = [j.name, j.next ?? '<none>', inText, j.schedule];
        rows.push(a.allNamespaces ? [j.namespace, ...row] : row);
      }
      io.out(table(rows));
      return 0;
    }
    case 'logs': {
      const job = await kube.call<Obj>('GET', jobPath);
      const runs = runsOf(job);
      let run: Run | undefined;
      if (a.run !== undefined) {
        run = /^\d{1,3}$/.test(a.run) ? runs[Number(a.run) - 1] : runs.find((r) => r.name === a.run);
        if (!run)
          throw new PluginError(
            `run "${a.run}" not found in the history of ${ns}/${a.name} (see kubectl sdj history)`,
          );
      } else {
        run = runs[a.previous ? 1 : 0];
        if (!run)
          throw new PluginError(`${ns}/${a.name} has ${a.previous ? 'no previous run' : 'no runs yet'}`);
      }
      const follow = a.follow && run.running === true;
      await printOutput(kube, io, ns, a.name!, run.name, follow, a.timestamps, a.timeoutMs);
      return 0;
    }
    case 'run': {
      const before = await kube.call<Obj>('GET', jobPath);
      const known = new Set(runsOf(before).map((r) => r.name));
      const value = new Date(io.now()).toISOString();
      const patched = await kube.call<Obj>(
        'PATCH',
        jobPath,
        { metadata: { annotations: { [RUN_NOW_ANNOTATION]: value } } },
        'application/merge-patch+json',
      );
      io.out(`scheduleddockerjob.${GROUP}/${a.name} triggered (${RUN_NOW_ANNOTATION}=${value})\n`);
      if (!a.wait) return 0;
      const rv = String((patched.metadata as Obj).resourceVersion ?? '');
      let finished: Run | undefined;
      const deadline = io.now() + a.timeoutMs;
      const seen = (job: Obj): boolean => {
        const status = (job.status ?? {}) as { lastManualTrigger?: string };
        if (status.lastManualTrigger !== value) return false;
        finished = runsOf(job).find((r) => !r.running && r.trigger === 'Manual' && !known.has(r.name));
        return finished !== undefined;
      };
      if (!seen(patched)) {
        let from = rv;
        while (!finished && io.now() < deadline) {
          const path = `${jobsPath(ns)}?watch=1&fieldSelector=${encodeURIComponent(`metadata.name=${a.name}`)}&resourceVersion=${from}&allowWatchBookmarks=true`;
          await kube
            .watch(
              path,
              (e) => {
                const meta = (e.object.metadata ?? {}) as Obj;
                if (typeof meta.resourceVersion === 'string') from = meta.resourceVersion;
                if (e.type === 'ERROR') {
                  from = '';
                  return true;
                }
                return (e.type === 'MODIFIED' || e.type === 'ADDED') && seen(e.object);
              },
              Math.max(1000, deadline - io.now()),
            )
            .catch((e: unknown) => {
              if (io.now() >= deadline) return false;
              throw e;
            });
          if (!from && !finished) {
            const now = await kube.call<Obj>('GET', jobPath);
            from = String((now.metadata as Obj).resourceVersion ?? '');
            seen(now);
          }
        }
      }
      if (!finished)
        throw new PluginError(
          `timed out after ${a.timeoutMs / 1000}s waiting for the run of ${ns}/${a.name}`,
        );
      const r = finished as Run;
      const exit = r.exitCode !== undefined ? ` (exit code ${r.exitCode})` : '';
      io.out(
        `run ${r.name}: ${r.result}${exit} in ${duration(runDuration(r, io.now()))}${r.node ? ` on ${r.node}` : ''}\n`,
      );
      if (r.exitCode !== undefined) return r.exitCode;
      return r.result === 'Succeeded' ? 0 : 1;
    }
  }
}

async function printOutput(
  kube: PluginKube,
  io: PluginIO,
  ns: string,
  job: string,
  run: string,
  follow: boolean,
  timestamps: boolean,
  timeoutMs: number,
): Promise<void> {
  let partial = '';
  const path = `/api/jobs/${ns}/${job}/runs/${run}/output${follow ? '?follow=1' : ''}`;
  const emit = (line: string) => {
    const l = decodeLine(line);
    if (!l) return;
    const text = timestamps ? `${l.time} ${l.text}\n` : `${l.text}\n`;
    if (l.stream === 'notice') io.err(text);
    else io.out(text);
  };
  await kube.output(
    path,
    (chunk) => {
      partial += chunk.toString('utf8');
      let nl = partial.indexOf('\n');
      while (nl >= 0) {
        emit(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
        nl = partial.indexOf('\n');
      }
    },
    timeoutMs,
  );
  if (partial) emit(partial);
}
