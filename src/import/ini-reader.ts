/**
 * Reads Ofelia INI files (both dialects) into sections of key/value entries that keep their line
 * numbers, so every later message can say `FILE:LINE`. Pure: text in, a document or a syntax
 * error (with its line) out; it never throws for any input.
 *
 * The grammar is the common ground of gcfg (upstream) and ini.v1 (the netresearch fork):
 * `[section]` or `[section "name"]` headers (the name in double quotes, `\"` and `\\` escaped),
 * `key = value` (ini.v1 also takes `key: value`), a bare `key` meaning "true", values in double
 * quotes with `\"`, `\\`, `\n`, `\t` escapes, a trailing backslash continuing a value on the next
 * line, and `;` / `#` comments: whole lines, or after a value when preceded by white space
 * (so `http://x/#frag` or a cron `5#3` keep their `#`). Repeated keys are kept in order.
 * Section kinds and keys are compared case-insensitively (lower-cased here).
 */

/** Largest INI file read (Ofelia configurations are a few KiB). */
export const MAX_INI_BYTES = 1024 * 1024;
/** Most entries in one file. */
export const MAX_INI_ENTRIES = 20_000;

export interface IniEntry {
  /** As written, trimmed. */
  rawKey: string;
  /** As gcfg (upstream) reads it: double-quoted parts unquoted, escapes applied. */
  value: string;
  /** As ini.v1 (the fork) reads it: one pair of surrounding quotes removed, inner quotes kept. */
  forkValue: string;
  line: number;
}

export interface IniSection {
  /** Lower-cased kind: `global`, `job-exec`, `webhook` ... */
  kind: string;
  /** The quoted name of `[kind "name"]`, when given. */
  name?: string;
  line: number;
  entries: IniEntry[];
}

export interface IniDocument {
  source: string;
  sections: IniSection[];
}

export class IniSyntaxError extends Error {
  readonly reason = 'MalformedIni';
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = 'IniSyntaxError';
  }
}

export type IniResult = { ok: true; document: IniDocument } | { ok: false; error: IniSyntaxError };

const SECTION = /^\[\s*([A-Za-z0-9_.-]+)\s*(?:"((?:[^"\\]|\\.)*)"\s*)?\]$/;
const KEY = /^([A-Za-z][A-Za-z0-9_.-]*)\s*(?:[=:]\s*(.*))?$/s;

export function readIni(text: string, source: string): IniResult {
  const fail = (line: number, detail: string): IniResult => ({
    ok: false,
    error: new IniSyntaxError(source, line, detail),
  });
  if (Buffer.byteLength(text) > MAX_INI_BYTES) return fail(1, `file larger than ${MAX_INI_BYTES} bytes`);
  if (text.includes('\0')) return fail(1, 'binary content (NUL bytes), not an INI file');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  let entries = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('[')) {
      const header = stripComment(trimmed);
      const m = SECTION.exec(header);
      if (!m) {
        return fail(
          lineNo,
          header.endsWith(']')
            ? `malformed section header ${header}: expected [kind] or [kind "name"]`
            : `section header ${header} is not closed with ]`,
        );
      }
      current = { kind: (m[1] ?? '').toLowerCase(), line: lineNo, entries: [] };
      if (m[2] !== undefined) current.name = m[2].replace(/\\(.)/g, '$1');
      sections.push(current);
      continue;
    }
    const m = KEY.exec(trimmed);
    if (!m) return fail(lineNo, `expected "key = value", a [section] or a comment, got: ${clip(trimmed)}`);
    if (!current) return fail(lineNo, `key "${m[1]}" outside any [section]`);
    if (++entries > MAX_INI_ENTRIES) return fail(lineNo, `more than ${MAX_INI_ENTRIES} entries`);
    let raw = m[2];
    const startLine = lineNo;
    if (raw === undefined) {
      current.entries.push({ rawKey: m[1] ?? '', value: 'true', forkValue: 'true', line: startLine });
      continue;
    }
    // A trailing backslash (outside quotes) continues the value on the next line.
    while (endsWithContinuation(raw) && i + 1 < lines.length) {
      i++;
      raw = `${raw.slice(0, -1)}${(lines[i] ?? '').trim()}`;
    }
    const value = parseValue(raw);
    if (!value.ok) return fail(startLine, `key "${m[1]}": ${value.reason}`);
    current.entries.push({
      rawKey: m[1] ?? '',
      value: value.value,
      forkValue: forkValue(raw),
      line: startLine,
    });
  }
  return { ok: true, document: { source, sections } };
}

function endsWithContinuation(raw: string): boolean {
  const body = stripComment(raw);
  return body.endsWith('\\') && !body.endsWith('\\\\');
}

/** A value: unquoted text up to a comment, or quoted parts with escapes. */
function parseValue(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  let out = '';
  let i = 0;
  let pendingSpace = '';
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '"') {
      out += pendingSpace;
      pendingSpace = '';
      i++;
      let closed = false;
      while (i < raw.length) {
        const q = raw[i]!;
        if (q === '\\' && i + 1 < raw.length) {
          const e = raw[i + 1]!;
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (q === '"') {
          closed = true;
          i++;
          break;
        }
        out += q;
        i++;
      }
      if (!closed) return { ok: false, reason: 'unterminated quoted value (missing closing ")' };
      continue;
    }
    if ((c === ';' || c === '#') && (i === 0 || /\s/.test(raw[i - 1]!))) break;
    if (/\s/.test(c)) {
      pendingSpace += c;
      i++;
      continue;
    }
    out += pendingSpace + c;
    pendingSpace = '';
    i++;
  }
  return { ok: true, value: out };
}

/** ini.v1: the text up to an inline comment; a value wholly in double quotes loses them (escapes applied). */
function forkValue(raw: string): string {
  const text = stripComment(raw);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const quoted = parseValue(text);
    if (quoted.ok) return quoted.value;
  }
  return text;
}

function stripComment(text: string): string {
  const m = /\s[;#]/.exec(text);
  return (m ? text.slice(0, m.index) : text).trim();
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
