/**
 * The form both readers (INI files, Docker labels) hand to the translator: sections of entries,
 * each entry with every value it was given (repeated INI keys, JSON arrays in labels) and its place.
 */
import type { IniDocument } from './ini-reader.ts';
import type { Dialect } from './keys.ts';

export interface OfeliaEntry {
  /** As written. */
  key: string;
  values: string[];
  line?: number;
}

/** The container a labels section was read from. */
export interface LabelContainer {
  id: string;
  /** Without the leading slash. */
  name: string;
  composeProject?: string;
  composeService?: string;
  /** Compose's container number (`--scale`), when it is not 1. */
  composeNumber?: string;
}

export interface OfeliaSection {
  /** Lower-cased: global, job-exec, job-run, job-local, webhook, docker ... */
  kind: string;
  name?: string;
  /** File path, or docker:<container>. */
  source: string;
  line?: number;
  entries: OfeliaEntry[];
  /** Set for sections read from labels. */
  container?: LabelContainer;
}

/**
 * An INI document's sections, with repeated keys of a section gathered into one entry; values as
 * the dialect's INI library reads them (quotes inside a value differ, see ini-reader.ts).
 */
export function sectionsFromIni(doc: IniDocument, dialect: Dialect): OfeliaSection[] {
  return doc.sections.map((s) => {
    const byKey = new Map<string, OfeliaEntry>();
    for (const e of s.entries) {
      const k = e.rawKey.toLowerCase();
      const value = dialect === 'upstream' ? e.value : e.forkValue;
      const existing = byKey.get(k);
      if (existing) existing.values.push(value);
      else byKey.set(k, { key: e.rawKey, values: [value], line: e.line });
    }
    const section: OfeliaSection = {
      kind: s.kind,
      source: doc.source,
      line: s.line,
      entries: [...byKey.values()],
    };
    if (s.name !== undefined) section.name = s.name;
    return section;
  });
}
