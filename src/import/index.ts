/**
 * Ofelia import: Ofelia configuration in (INI texts, or the labels of Docker containers),
 * ScheduledDockerJobs (chains as spec.after), JobNotifiers (the notification middlewares) and the
 * Secrets they reference out, with one issue for every key not translated exactly (report.ts). Pure: files and the daemon are read by the callers
 * (cli/import.ts, labels/), which pass texts, containers and an env-file reader in.
 *
 * Never: drops a key silently, writes a secret value unless asked (includeSecrets), puts a
 * value in an issue, or returns a job or notifier that `validate` would refuse.
 */
import { stringify } from 'yaml';
import { detectDialect, substituteVariables } from './dialect.ts';
import { type IniDocument, type IniSyntaxError, readIni } from './ini-reader.ts';
import type { Dialect } from './keys.ts';
import { type LabelledContainer, sectionsFromLabels } from './label-reader.ts';
import { kubeName } from './names.ts';
import type { ImportIssue } from './report.ts';
import { type OfeliaSection, sectionsFromIni } from './sections.ts';
import { type KubeObject, type TranslateOptions, type Translation, translateSections } from './translate.ts';

export type { Dialect } from './keys.ts';
export type { LabelledContainer } from './label-reader.ts';
export { formatIssue, type ImportIssue } from './report.ts';
export type { KubeObject, Translation } from './translate.ts';

export interface ImportOptions {
  namespace: string;
  /** 'auto' (default): netresearch when a fork-only section or key is used, else upstream. */
  dialect?: Dialect | 'auto';
  includeSecrets: boolean;
  /** Environment for the fork's ${VAR} substitution. */
  env?: Readonly<Record<string, string | undefined>>;
  readEnvFile?: TranslateOptions['readEnvFile'];
}

export type IniImport = ({ ok: true; dialect: Dialect } & Translation) | { ok: false; error: IniSyntaxError };

export function importIni(
  files: ReadonlyArray<{ source: string; text: string }>,
  opts: ImportOptions,
): IniImport {
  const documents: IniDocument[] = [];
  for (const f of files) {
    const read = readIni(f.text, f.source);
    if (!read.ok) return { ok: false, error: read.error };
    documents.push(read.document);
  }
  // Keys decide the dialect; the dialect decides how quotes in values are read.
  const dialect =
    opts.dialect && opts.dialect !== 'auto'
      ? opts.dialect
      : detectDialect(documents.flatMap((d) => sectionsFromIni(d, 'upstream')));
  const sections: OfeliaSection[] = documents.flatMap((d) => sectionsFromIni(d, dialect));
  const issues: ImportIssue[] = [];
  const prepared =
    dialect === 'netresearch' ? substituteVariables(sections, opts.env ?? {}, issues) : sections;
  const t = translateSections(prepared, {
    namespace: opts.namespace,
    dialect,
    includeSecrets: opts.includeSecrets,
    readEnvFile: opts.readEnvFile,
    origin: 'ofelia-ini',
  });
  return { ok: true, dialect, ...t, issues: [...issues, ...t.issues] };
}

/** The job name of a labels section: Compose project and service, or the container, then the job. */
export function labelJobName(section: OfeliaSection): string {
  const c = section.container;
  const owner =
    c?.composeProject && c.composeService
      ? `${c.composeProject}-${c.composeService}${c.composeNumber ? `-${c.composeNumber}` : ''}`
      : (c?.name ?? 'docker');
  return kubeName(owner, section.name ?? 'job');
}

export interface LabelImportOptions extends ImportOptions {
  /** imported-from label value: `docker` (one-off import) or `docker-labels` (the live source). */
  origin: string;
  metadata?: TranslateOptions['metadata'];
  scopeLabels?: TranslateOptions['scopeLabels'];
  scopeName?: TranslateOptions['scopeName'];
}

export function importLabels(
  containers: readonly LabelledContainer[],
  opts: LabelImportOptions,
): Translation & { dialect: Dialect } {
  const issues: ImportIssue[] = [];
  const sections = sectionsFromLabels(containers, issues);
  // As for INI files: a key only the fork knows means the fork (and its defaults, e.g. user nobody).
  const dialect = opts.dialect && opts.dialect !== 'auto' ? opts.dialect : detectDialect(sections);
  const t = translateSections(sections, {
    namespace: opts.namespace,
    dialect,
    includeSecrets: opts.includeSecrets,
    readEnvFile: opts.readEnvFile,
    origin: opts.origin,
    jobName: labelJobName,
    metadata: opts.metadata,
    scopeLabels: opts.scopeLabels,
    scopeName: opts.scopeName,
    // A new container (a start after a recreate) runs a run-on-startup job once more.
    runOnStartupToken: (s) => `container-${(s.container?.id ?? '').slice(0, 12)}`,
  });
  return { dialect, ...t, issues: [...issues, ...t.issues] };
}

/**
 * Objects as one `---` YAML stream (the CLI puts them in the order they are needed: Secrets, JobNotifiers, jobs).
 * Written as YAML 1.1, which kubectl and client-go read: `spec.after[].on` must be quoted there
 * (an unquoted `on` is the boolean true in YAML 1.1, and the API server refuses the field `true`).
 */
export function renderYamlStream(objects: readonly KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, version: '1.1' })}`).join('');
}

/**
 * One file name per object: `<rank>-<kind>-<name>.yaml`, lower case. The rank makes name order
 * (the order `kubectl create -f DIR` takes) the order things are needed in: Secrets, then the
 * notifiers that read them, then the jobs, so no notifier is briefly without its Secret and no
 * run-on-start job runs before its env Secret or its notifiers exist.
 */
export function objectFileName(o: KubeObject): string {
  const [rank, kind] =
    o.kind === 'Secret'
      ? [1, 'secret']
      : o.kind === 'ScheduledDockerJob'
        ? [3, 'sdj']
        : [2, o.kind.toLowerCase()];
  return `${rank}-${kind}-${o.metadata.name}.yaml`;
}
