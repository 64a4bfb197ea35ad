/**
 * Import issues: every Ofelia key that is not translated exactly gets one, printed as
 * `FILE:LINE: [section] key: reason` (for labels, `docker:CONTAINER: ...`). Values never appear in
 * a reason (they may be passwords or webhook URLs): keys, names and places only.
 */

export type IssueKind =
  /** No equivalent; the key is left out. */
  | 'unsupported'
  /** Translated, but the meaning differs in a way the user should know. */
  | 'different-meaning'
  /** The value is kept in a Secret and was left out of it (printed only with --include-secrets). */
  | 'needs-secret'
  /** The input is wrong (bad schedule, bad JSON, missing command). */
  | 'invalid';

export interface ImportIssue {
  kind: IssueKind;
  /** File path, or `docker:<container>` for labels. */
  source: string;
  line?: number;
  /** `[job-exec "backup"]`, `[global]`, or the label prefix for labels. */
  section: string;
  /** The key as written (empty for section-wide issues). */
  key: string;
  reason: string;
}

export function sectionTitle(kind: string, name?: string): string {
  return name === undefined ? `[${kind}]` : `[${kind} "${name}"]`;
}

export function formatIssue(issue: ImportIssue): string {
  const place = issue.line !== undefined ? `${issue.source}:${issue.line}` : issue.source;
  return `${place}: ${issue.section}${issue.key ? ` ${issue.key}` : ''}: ${issue.reason}`;
}
