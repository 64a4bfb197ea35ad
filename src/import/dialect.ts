/**
 * Which Ofelia an INI configuration was written for, and the fork's `${VAR}` substitution.
 *
 * The netresearch fork is recognised by a section or key only it knows (keys.ts); otherwise the
 * configuration is read as upstream's. Only the fork substitutes `${VAR}` and `${VAR:-default}`
 * (from the environment the import runs in), so upstream files keep a literal `${HOME}` meant for
 * a shell in the command. Pure: the environment is a parameter.
 */
import { canonicalKey, type Dialect, FORK_ONLY_KEYS, FORK_ONLY_SECTIONS } from './keys.ts';
import type { ImportIssue } from './report.ts';
import { sectionTitle } from './report.ts';
import type { OfeliaSection } from './sections.ts';

export function detectDialect(sections: readonly OfeliaSection[]): Dialect {
  for (const s of sections) {
    if (FORK_ONLY_SECTIONS.has(s.kind)) return 'netresearch';
    if (s.entries.some((e) => FORK_ONLY_KEYS.has(canonicalKey(e.key)))) return 'netresearch';
  }
  return 'upstream';
}

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Substitutes `${VAR}` / `${VAR:-default}` in every value; an unset variable without default is an issue. */
export function substituteVariables(
  sections: readonly OfeliaSection[],
  env: Readonly<Record<string, string | undefined>>,
  issues: ImportIssue[],
): OfeliaSection[] {
  return sections.map((s) => ({
    ...s,
    entries: s.entries.map((e) => ({
      ...e,
      values: e.values.map((v) =>
        v.replace(VARIABLE, (_m, name: string, fallback: string | undefined) => {
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (fallback !== undefined) return fallback;
          issues.push({
            kind: 'invalid',
            source: s.source,
            line: e.line ?? s.line,
            section: sectionTitle(s.kind, s.name),
            key: e.key,
            reason: `variable ${name} is not set where the import runs; substituted empty`,
          });
          return '';
        }),
      ),
    })),
  }));
}
