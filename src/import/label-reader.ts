/**
 * Ofelia's Docker labels to sections, as Ofelia reads them: only containers labelled
 * `ofelia.enabled=true`; `ofelia.<job-kind>.<job-name>.<key>=value` (the name may hold dots, the
 * key is the last part); `ofelia.<key>` global keys and job-local labels only on the container
 * marked `ofelia.service=true` (Ofelia's own, now the operator's); job-exec labels on any enabled
 * container, where they exec into that container; job-run labels on any enabled container (as the
 * fork allows). Keys that may repeat take a JSON array of strings (`["A=1","B=2"]`) or one value.
 * Pure; a label that cannot be read is an issue naming the container and the label.
 */
import { canonicalKey, REPEATABLE_KEYS } from './keys.ts';
import type { ImportIssue } from './report.ts';
import { sectionTitle } from './report.ts';
import type { LabelContainer, OfeliaSection } from './sections.ts';

export const ENABLED_LABEL = 'ofelia.enabled';
export const SERVICE_LABEL = 'ofelia.service';
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
export const COMPOSE_NUMBER_LABEL = 'com.docker.compose.container-number';

const JOB_KINDS = new Set(['job-exec', 'job-run', 'job-local', 'job-service-run', 'job-compose', 'webhook']);
/** Label keys of Ofelia itself, not configuration. */
const CONTROL_KEYS = new Set([ENABLED_LABEL, SERVICE_LABEL]);

export interface LabelledContainer {
  id: string;
  /** With or without the leading slash. */
  name: string;
  labels: Readonly<Record<string, string>>;
}

export function isEnabled(labels: Readonly<Record<string, string>> | null | undefined): boolean {
  return labels?.[ENABLED_LABEL]?.toLowerCase() === 'true';
}

export function containerOf(c: LabelledContainer): LabelContainer {
  const out: LabelContainer = { id: c.id, name: c.name.replace(/^\//, '') };
  const project = c.labels[COMPOSE_PROJECT_LABEL];
  const service = c.labels[COMPOSE_SERVICE_LABEL];
  if (project) out.composeProject = project;
  if (service) out.composeService = service;
  const number = c.labels[COMPOSE_NUMBER_LABEL];
  if (number && number !== '1') out.composeNumber = number;
  return out;
}

/** The sections of every enabled container's labels, in label order; issues for unreadable ones. */
export function sectionsFromLabels(
  containers: readonly LabelledContainer[],
  issues: ImportIssue[],
): OfeliaSection[] {
  const sections: OfeliaSection[] = [];
  for (const c of containers) {
    if (!isEnabled(c.labels)) continue;
    const container = containerOf(c);
    const source = `docker:${container.name}`;
    const isService = c.labels[SERVICE_LABEL]?.toLowerCase() === 'true';
    const byName = new Map<string, OfeliaSection>();
    const global: OfeliaSection = { kind: 'global', source, entries: [], container };
    for (const label of Object.keys(c.labels).sort()) {
      if (!label.startsWith('ofelia.') || CONTROL_KEYS.has(label)) continue;
      const value = c.labels[label] ?? '';
      const parts = label.split('.');
      const issue = (reason: string): void => {
        issues.push({ kind: 'invalid', source, section: `label ${label}`, key: '', reason });
      };
      if (parts.length === 2) {
        if (!isService) {
          issue(`global keys are read only from the container labelled ${SERVICE_LABEL}=true`);
          continue;
        }
        global.entries.push({ key: parts[1]!, values: [value] });
        continue;
      }
      const kind = parts[1]!;
      if (!JOB_KINDS.has(kind) || parts.length < 4) {
        issue(`expected ofelia.<job-exec|job-run|job-local|...>.<name>.<key>`);
        continue;
      }
      if (kind === 'job-local' && !isService) {
        issue(`job-local labels are read only from the container labelled ${SERVICE_LABEL}=true`);
        continue;
      }
      const name = parts.slice(2, -1).join('.');
      const key = parts[parts.length - 1]!;
      const values = labelValues(key, value);
      if (!values.ok) {
        issues.push({
          kind: 'invalid',
          source,
          section: sectionTitle(kind, name),
          key,
          reason: values.reason,
        });
        continue;
      }
      const id = `${kind}\0${name}`;
      let section = byName.get(id);
      if (!section) {
        section = { kind, name, source, entries: [], container };
        byName.set(id, section);
        sections.push(section);
      }
      section.entries.push({ key, values: values.values });
    }
    if (global.entries.length) sections.unshift(global);
  }
  return sections;
}

function labelValues(
  key: string,
  value: string,
): { ok: true; values: string[] } | { ok: false; reason: string } {
  // JSON is recognised by its first character; anything else is one plain value.
  if (!REPEATABLE_KEYS.has(canonicalKey(key)) || !/^\s*[[{]/.test(value)) {
    return { ok: true, values: [value] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return {
      ok: false,
      reason: `not valid JSON (a JSON array of strings is expected): ${(e as Error).message}`,
    };
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    return { ok: false, reason: 'expected a JSON array of strings, e.g. ["A=1","B=2"]' };
  }
  return { ok: true, values: parsed };
}
