/**
 * Manifest loading: files, directories (their *.yaml, *.yml, *.json, not recursive) or stdin ("-")
 * in; the object documents found, and one problem per thing that could not be read, out.
 *
 * YAML multi-document streams and JSON (a YAML subset) are both read with the `yaml` package;
 * `kind: List` / `ScheduledDockerJobList` documents are unwrapped. Everything is bounded: bytes
 * per file, documents per file, files per directory, YAML aliases. A malformed document is a
 * problem with its line and column, never an exception or a stack trace.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { API_VERSION, KIND, LIST_KIND } from './schema.ts';

export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_DOCUMENTS_PER_FILE = 500;
export const MAX_FILES_PER_DIRECTORY = 1000;
/** Alias expansions allowed per document: a "billion laughs" file must not explode in memory. */
const MAX_ALIAS_COUNT = 100;
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export type ManifestProblemReason =
  | 'NotFound'
  | 'Unreadable'
  | 'TooLarge'
  | 'TooManyDocuments'
  | 'TooManyFiles'
  | 'Malformed'
  | 'NotAnObject'
  | 'WrongKind';

/** One object document: `source` is the file (or "-"), `index` its 1-based position, `line` where it starts. */
export interface ManifestDocument {
  source: string;
  index: number;
  line: number;
  object: Record<string, unknown>;
}

export interface ManifestProblem {
  source: string;
  reason: ManifestProblemReason;
  message: string;
  index?: number;
  line?: number;
  col?: number;
}

export interface LoadResult {
  documents: ManifestDocument[];
  problems: ManifestProblem[];
}

/** Parses one manifest text (YAML stream or JSON). Pure; never throws. */
export function parseManifests(text: string, source: string): LoadResult {
  const out: LoadResult = { documents: [], problems: [] };
  if (text.includes('\0')) {
    out.problems.push({
      source,
      reason: 'Malformed',
      message: 'binary content (NUL bytes), not YAML or JSON',
    });
    return out;
  }
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    out.problems.push({ source, reason: 'Malformed', message: firstLine(e) });
    return out;
  }
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const index = i + 1;
    const { line } = lineCounter.linePos(doc.range?.[0] ?? 0);
    if (out.documents.length + out.problems.length >= MAX_DOCUMENTS_PER_FILE) {
      if (!out.problems.some((p) => p.reason === 'TooManyDocuments')) {
        out.problems.push({
          source,
          reason: 'TooManyDocuments',
          message: `more than ${MAX_DOCUMENTS_PER_FILE} documents; split the file`,
        });
      }
      return;
    }
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      out.problems.push({
        source,
        index,
        reason: 'Malformed',
        message: `malformed YAML: ${firstLine(error).replace(/ at line \d+, column \d+:?$/, '')}`,
        ...(pos ? { line: pos.line, col: pos.col } : {}),
      });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      out.problems.push({
        source,
        index,
        line,
        reason: 'Malformed',
        message: `malformed YAML: ${firstLine(e)}`,
      });
      return;
    }
    if (value === null || value === undefined) return; // an empty document ("---" alone, comments)
    if (typeof value !== 'object' || Array.isArray(value)) {
      const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      out.problems.push({
        source,
        index,
        line,
        reason: 'NotAnObject',
        message: `document is ${what}, not an object`,
      });
      return;
    }
    addObject(value as Record<string, unknown>, { source, index, line }, out);
  });
  return out;
}

/** Adds an object, unwrapping `List` kinds (one level) into their items. */
function addObject(
  object: Record<string, unknown>,
  at: Omit<ManifestDocument, 'object'>,
  out: LoadResult,
): void {
  const isList = (object.kind === 'List' || object.kind === LIST_KIND) && Array.isArray(object.items);
  if (!isList) {
    out.documents.push({ ...at, object });
    return;
  }
  for (const item of object.items as unknown[]) {
    if (out.documents.length >= MAX_DOCUMENTS_PER_FILE) {
      out.problems.push({
        ...at,
        reason: 'TooManyDocuments',
        message: `more than ${MAX_DOCUMENTS_PER_FILE} items`,
      });
      return;
    }
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      out.problems.push({ ...at, reason: 'NotAnObject', message: 'a list item is not an object' });
    } else {
      out.documents.push({ ...at, object: item as Record<string, unknown> });
    }
  }
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n')[0] ?? '').trim();
}

/** Reads at most `limit + 1` bytes, so that a huge (or endless) input is refused, not buffered. */
async function readBounded(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

async function readStdinBounded(limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buf);
    total += buf.length;
    if (total > limit) break;
  }
  return Buffer.concat(chunks);
}

/** Loads one file or "-" (stdin). */
async function loadOne(source: string, out: LoadResult): Promise<void> {
  let bytes: Buffer;
  try {
    bytes =
      source === '-'
        ? await readStdinBounded(MAX_MANIFEST_BYTES)
        : await readBounded(source, MAX_MANIFEST_BYTES);
  } catch (e) {
    out.problems.push({ source, reason: 'Unreadable', message: `cannot read: ${errorCode(e)}` });
    return;
  }
  if (bytes.length > MAX_MANIFEST_BYTES) {
    out.problems.push({ source, reason: 'TooLarge', message: `larger than ${MAX_MANIFEST_BYTES} bytes` });
    return;
  }
  const parsed = parseManifests(bytes.toString('utf8'), source);
  out.documents.push(...parsed.documents);
  out.problems.push(...parsed.problems);
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : firstLine(e);
}

/**
 * Loads every path: a file, a directory (its manifest files, sorted, not recursive) or "-" for
 * stdin. Never throws; unreadable paths become problems.
 */
export async function loadManifests(paths: readonly string[]): Promise<LoadResult> {
  const out: LoadResult = { documents: [], problems: [] };
  for (const path of paths) {
    if (path === '-') {
      await loadOne(path, out);
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (e) {
      const missing = errorCode(e) === 'ENOENT';
      out.problems.push({
        source: path,
        reason: missing ? 'NotFound' : 'Unreadable',
        message: missing ? 'no such file or directory' : `cannot read: ${errorCode(e)}`,
      });
      continue;
    }
    if (!info.isDirectory()) {
      await loadOne(path, out);
      continue;
    }
    let names: string[];
    try {
      names = (await readdir(path)).filter((n) => !n.startsWith('.') && MANIFEST_EXTENSIONS.has(extname(n)));
    } catch (e) {
      out.problems.push({ source: path, reason: 'Unreadable', message: `cannot list: ${errorCode(e)}` });
      continue;
    }
    names.sort();
    if (names.length > MAX_FILES_PER_DIRECTORY) {
      out.problems.push({
        source: path,
        reason: 'TooManyFiles',
        message: `more than ${MAX_FILES_PER_DIRECTORY} manifest files; only the first ${MAX_FILES_PER_DIRECTORY} were read`,
      });
      names = names.slice(0, MAX_FILES_PER_DIRECTORY);
    }
    for (const name of names) await loadOne(join(path, name), out);
  }
  return out;
}

/**
 * Splits loaded documents into ScheduledDockerJobs and WrongKind problems (anything with another
 * apiVersion or kind: a validate run must not pass a file because it holds no job at all).
 */
export function selectJobs(loaded: LoadResult): LoadResult {
  const out: LoadResult = { documents: [], problems: [...loaded.problems] };
  for (const doc of loaded.documents) {
    const { apiVersion, kind } = doc.object;
    if (apiVersion === API_VERSION && kind === KIND) {
      out.documents.push(doc);
      continue;
    }
    out.problems.push({
      source: doc.source,
      index: doc.index,
      line: doc.line,
      reason: 'WrongKind',
      message: `wrong kind: expected apiVersion ${API_VERSION} kind ${KIND}, got ${describe(apiVersion)} ${describe(kind)}`,
    });
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
