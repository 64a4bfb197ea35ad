/**
 * `ofelia-operator validate -f FILE|DIR|- [-f ...] [-o text|json]`: checks ScheduledDockerJob
 * and JobNotifier manifests offline, with the same rules the API server applies, plus unknown
 * fields (as `kubectl apply`'s strict field validation would refuse them).
 *
 * Exit codes: 0 all valid, 1 any problem (a malformed file, another kind, an invalid job),
 * 2 usage error. Problems are printed one per line as `file: name: field: message`.
 */
import { parseArgs } from 'node:util';
import { type LoadResult, loadManifests, type ManifestProblem, selectJobs } from '../api/manifest.ts';
import { notifierOpenApiSchema } from '../api/notifier-crd.ts';
import { NOTIFIER_KIND } from '../api/notifier-schema.ts';
import { API_VERSION } from '../api/schema.ts';
import { findUnknownFields } from '../api/unknown-fields.ts';
import { type FieldCause, validateScheduledDockerJob } from '../api/validate.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';

export const usage = `Usage: ofelia-operator validate -f FILE|DIR|- [-f ...] [-o text|json]

Check ScheduledDockerJob and JobNotifier manifests offline: shape, schedule, names, quantities,
addresses, selectors, unknown fields. v1 Secrets and ConfigMaps in the same files are passed over.

Flags:
  -f, --file PATH     a YAML/JSON file, a directory of them (not recursive), or - for stdin; repeatable
  -o, --output FMT    text (default) or json
  -h, --help          show this help

Exit status: 0 all valid, 1 problems found, 2 usage error.
`;

export interface JobReport {
  source: string;
  index: number;
  line: number;
  name: string;
  valid: boolean;
  causes: FieldCause[];
  unknownFields: string[];
}

export interface ValidateReport {
  valid: boolean;
  jobs: JobReport[];
  /** JobNotifiers (the output of `import ofelia` carries them next to jobs). */
  notifiers: JobReport[];
  problems: ManifestProblem[];
}

/** Validates what was loaded. Pure apart from its input. */
export function buildReport(loaded: LoadResult): ValidateReport {
  // Secrets and ConfigMaps travel with jobs (the output of `import ofelia`, run-once inputs):
  // they are not this command's to check, and not a wrong kind either.
  const documents = loaded.documents.filter((d) => !isCompanionObject(d.object));
  const notifierDocs = documents.filter((d) => isNotifier(d.object));
  const selected = selectJobs({ ...loaded, documents: documents.filter((d) => !isNotifier(d.object)) });
  const jobs = selected.documents.map((doc) => {
    const result = validateScheduledDockerJob(doc.object);
    return report(doc, result.ok ? [] : result.causes, findUnknownFields(doc.object));
  });
  let schema: Record<string, unknown> | undefined;
  const notifiers = notifierDocs.map((doc) => {
    const result = validateJobNotifier(doc.object);
    schema ??= notifierOpenApiSchema();
    return report(doc, result.ok ? [] : result.causes, findUnknownFields(doc.object, schema));
  });
  const all = [...jobs, ...notifiers];
  const valid = selected.problems.length === 0 && all.length > 0 && all.every((j) => j.valid);
  return { valid, jobs, notifiers, problems: selected.problems };
}

function report(
  doc: LoadResult['documents'][number],
  causes: FieldCause[],
  unknownFields: string[],
): JobReport {
  const meta = doc.object.metadata as Record<string, unknown> | undefined;
  const name = typeof meta?.name === 'string' && meta.name !== '' ? meta.name : `(document ${doc.index})`;
  return {
    source: doc.source,
    index: doc.index,
    line: doc.line,
    name,
    valid: causes.length === 0 && unknownFields.length === 0,
    causes,
    unknownFields,
  };
}

function isNotifier(o: Record<string, unknown>): boolean {
  return o.apiVersion === API_VERSION && o.kind === NOTIFIER_KIND;
}

function isCompanionObject(o: Record<string, unknown>): boolean {
  return o.apiVersion === 'v1' && (o.kind === 'Secret' || o.kind === 'ConfigMap');
}

function problemLine(p: ManifestProblem): string {
  const where: string[] = [];
  if (p.index !== undefined) where.push(`document ${p.index}`);
  if (p.line !== undefined)
    where.push(p.col !== undefined ? `line ${p.line}, col ${p.col}` : `line ${p.line}`);
  return `${p.source}: ${where.length ? `${where.join(', ')}: ` : ''}${p.message}`;
}

export function renderText(report: ValidateReport): string {
  const lines: string[] = report.problems.map(problemLine);
  for (const job of [...report.jobs, ...report.notifiers]) {
    for (const c of job.causes)
      lines.push(`${job.source}: ${job.name}: ${c.field || '(root)'}: ${c.message}`);
    for (const f of job.unknownFields) lines.push(`${job.source}: ${job.name}: ${f}: unknown field`);
  }
  const count = report.jobs.length;
  const notifiers = report.notifiers.length;
  const also = notifiers ? `, ${notifiers} JobNotifier(s)` : '';
  if (report.valid) lines.push(`${count} ScheduledDockerJob(s) valid${also ? `${also} valid` : ''}`);
  else if (count === 0 && notifiers === 0 && report.problems.length === 0)
    lines.push('no ScheduledDockerJob found');
  else {
    const invalid = report.jobs.filter((j) => !j.valid).length;
    const invalidNotifiers = report.notifiers.filter((j) => !j.valid).length;
    lines.push(
      `${invalid} of ${count} ScheduledDockerJob(s) invalid` +
        (notifiers ? `, ${invalidNotifiers} of ${notifiers} JobNotifier(s) invalid` : '') +
        (report.problems.length ? `, ${report.problems.length} file problem(s)` : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  let values: { file?: string[]; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`ofelia-operator validate: ${usageError(e)}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    process.stderr.write(`ofelia-operator validate: --output must be text or json (got "${output}")\n`);
    return 2;
  }
  const files = values.file ?? [];
  if (files.length === 0) {
    process.stderr.write('ofelia-operator validate: -f/--file is required (a file, a directory or -)\n');
    return 2;
  }
  const report = buildReport(await loadManifests(files));
  process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return report.valid ? 0 : 1;
}

/** parseArgs' error as one line naming the flag ("Unknown option '--bogus'"). */
export function usageError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (message.split(/\. |\n/)[0] ?? message).replace(/\.$/, '');
}
