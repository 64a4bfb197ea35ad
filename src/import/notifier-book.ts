/**
 * What the notifier builders of an import share: the notifiers written so far (validated, names
 * unique), the issues (at a setting's own line; never for a setting a job took from [global],
 * which is reported there), the Secrets (a withheld secret value is reported where it was
 * written), and the settings as read from sections.
 */
import { NOTIFIER_KIND, type NotifyEvent } from '../api/notifier-schema.ts';
import { API_VERSION } from '../api/schema.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';
import type { Dialect } from './keys.ts';
import { kubeName } from './names.ts';
import { IMPORT_LABEL, OFELIA_SOURCE_ANNOTATION } from './object-labels.ts';
import { type ImportIssue, type IssueKind, sectionTitle } from './report.ts';
import type { KubeObject, SecretBook } from './secret-book.ts';
import type { OfeliaEntry, OfeliaSection } from './sections.ts';
import { durationSeconds, parseBool } from './values.ts';

export interface NotifierContext {
  namespace: string;
  origin: string;
  dialect: Dialect;
  secrets: SecretBook;
  issues: ImportIssue[];
  /** See TranslateOptions.scopeLabels. */
  scopeLabels: Readonly<Record<string, string>>;
  /** `-<scope>` (or empty): see TranslateOptions.scopeName. */
  sharedNameSuffix: string;
}

/**
 * The selector of a notifier that stands for every imported job (of this import's scope), given
 * the requirements it adds of its own.
 */
export function everyImportedJob(
  scopeLabels: Readonly<Record<string, string>>,
  ...extra: Array<{ key: string; operator: 'Exists' | 'DoesNotExist' }>
): { matchExpressions: Array<{ key: string; operator: string; values?: string[] }> } {
  return {
    matchExpressions: [
      { key: IMPORT_LABEL, operator: 'Exists' },
      ...Object.entries(scopeLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] })),
      ...extra,
    ],
  };
}

/** Ofelia attaches or saves the whole output; a message here carries at most this much of it. */
export const IMPORTED_OUTPUT_TAIL_BYTES = 16384;
/** Events of a middleware that reports every execution (skipped ones too: see notifiers.ts). */
export const EVERY_EXECUTION: NotifyEvent[] = ['Succeeded', 'Failed', 'Skipped'];

/** One key's value with where it was written. */
export interface Setting {
  value: string;
  entry: OfeliaEntry;
  section: OfeliaSection;
  /** Taken from [global] for a job. */
  inherited?: boolean;
}
export type Settings = Map<string, Setting>;

export function setting(entry: OfeliaEntry, section: OfeliaSection): Setting {
  return { value: entry.values[entry.values.length - 1] ?? '', entry, section };
}

export class NotifierBook {
  readonly notifiers: KubeObject[] = [];
  private readonly names = new Set<string>();
  private readonly said = new Set<string>();

  constructor(readonly ctx: NotifierContext) {}

  issue(section: OfeliaSection, entry: OfeliaEntry | undefined, kind: IssueKind, reason: string): void {
    this.ctx.issues.push({
      kind,
      source: section.source,
      line: entry?.line ?? section.line,
      section: sectionTitle(section.kind, section.name),
      key: entry?.key ?? '',
      reason,
    });
  }

  /** An issue at a setting's own line; none for a setting a job took from [global] (reported there). */
  at(s: Setting, kind: IssueKind, reason: string): void {
    if (!s.inherited) this.issue(s.section, s.entry, kind, reason);
  }

  /** An issue said once per import (a difference every notifier of a type shares). */
  once(s: Setting, kind: IssueKind, reason: string): void {
    if (this.said.has(reason)) return;
    this.said.add(reason);
    this.issue(s.section, s.entry, kind, reason);
  }

  bool(s: Setting | undefined): boolean | undefined {
    if (!s) return undefined;
    const b = parseBool(s.value);
    if (b === undefined)
      this.at(s, 'invalid', `"${s.value}" is not a boolean (true or false); taken as false`);
    return b;
  }

  uniqueName(base: string): string {
    let name = kubeName(base);
    for (let i = 2; this.names.has(name); i++) name = kubeName(base, String(i));
    this.names.add(name);
    return name;
  }

  /** Puts a secret value into a Secret; an issue says where, when the value was left out. */
  secret(secretName: string, key: string, s: Setting, hint = ''): string {
    const name = this.ctx.secrets.put(secretName, key, s.value);
    if (this.ctx.secrets.withholding && !s.inherited)
      this.at(
        s,
        'needs-secret',
        `kept in Secret ${name}, key ${key}${hint}; value left out (fill it in, or import again with --include-secrets)`,
      );
    return name;
  }

  cooldown(s: Setting | undefined): number | undefined {
    if (!s) return undefined;
    const seconds = durationSeconds(s.value);
    if (seconds === undefined) {
      this.at(s, 'invalid', `"${s.value}" is not a Go duration (e.g. 5m); no cooldown is set`);
      return undefined;
    }
    const kept = Math.min(seconds, 86400);
    this.at(
      s,
      'different-meaning',
      `spec.cooldownSeconds: ${kept} on the slack, email and webhook notifiers: per job, further messages of the same kind within it are counted and summarized in the next one (the fork held back repeats of a failure only)${kept !== seconds ? '; at most 86400' : ''}`,
    );
    return kept;
  }

  /** Validates and keeps a notifier; false (with issues) when it is refused. */
  add(name: string, spec: Record<string, unknown>, scope: OfeliaSection): boolean {
    const notifier: KubeObject = {
      apiVersion: API_VERSION,
      kind: NOTIFIER_KIND,
      metadata: {
        name,
        namespace: this.ctx.namespace,
        labels: { ...this.ctx.scopeLabels, [IMPORT_LABEL]: this.ctx.origin },
        annotations: {
          [OFELIA_SOURCE_ANNOTATION]:
            scope.line !== undefined ? `${scope.source}:${scope.line}` : scope.source,
        },
      },
      spec,
    };
    const checked = validateJobNotifier(notifier);
    if (!checked.ok) {
      for (const c of checked.causes)
        this.issue(
          scope,
          undefined,
          'invalid',
          `JobNotifier ${name} is not valid: ${c.field}: ${c.message}; it is left out`,
        );
      return false;
    }
    this.notifiers.push(notifier);
    return true;
  }

  /** A Go duration in whole seconds within [min, max] (a value outside is clamped and reported). */
  seconds(s: Setting | undefined, fallback: number, min: number, max: number): number {
    if (!s) return fallback;
    const seconds = durationSeconds(s.value);
    if (seconds === undefined) {
      this.at(s, 'invalid', `"${s.value}" is not a Go duration (e.g. 10s); ${fallback}s is used`);
      return fallback;
    }
    const kept = Math.min(max, Math.max(min, seconds));
    if (kept !== seconds) this.at(s, 'different-meaning', `between ${min}s and ${max}s: ${kept}s is used`);
    return kept;
  }
}
