/**
 * Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get`, the way a real API server renders
 * them (NAME first with `format: name`, `priority: 1` columns only for `-o wide`, dates as ages like
 * `5s`, `3m12s`, `2d`), with rows carrying PartialObjectMetadata so `-A` and `--show-labels` work.
 * Pure: takes objects and `now`, returns JSON.
 */
import { apiVersionOf, type ColumnSpec, type KubeObject, metaOf, type ResourceKind } from './kinds.ts';

export const TABLE_MEDIA_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** True when the Accept header asks for a meta.k8s.io/v1 Table (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && params.includes('v=v1');
  });
}

/**
 * Kubernetes' duration.HumanDuration: two significant units at most, coarser as it grows.
 * Negative durations up to one second (clock skew) read as "0s".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/**
 * The age of an RFC 3339 timestamp at `now`; a time in the future (a next schedule time) reads
 * `in 5m` instead of a real server's `<invalid>`, rounded up so that a run due in 400 ms reads
 * `in 1s`, never a misleading `0s`. Unparseable or missing: undefined.
 */
export function formatAge(timestamp: unknown, now: number): string | undefined {
  if (typeof timestamp !== 'string' || timestamp === '') return undefined;
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return undefined;
  const delta = now - t;
  if (delta < 0) return `in ${humanDuration(Math.ceil(-delta / 1000) * 1000)}`;
  return humanDuration(delta);
}

/** The tiny JSONPath subset printer columns use: `.a.b`, `.a[0].b`, `.metadata.labels['x/y']`. */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]+)['"]\]/g;
  let cur: unknown = obj;
  let consumed = 0;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m.index !== consumed) return undefined;
    consumed = re.lastIndex;
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = m[1] ?? m[3];
    if (key !== undefined) cur = Array.isArray(cur) ? undefined : (cur as Record<string, unknown>)[key];
    else cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  return consumed === path.length ? cur : undefined;
}

/** A cell value as kubectl expects it: scalars stay scalars, dates become ages, missing is null. */
export function renderCell(column: ColumnSpec, obj: KubeObject, now: number): unknown {
  const raw = column.cell
    ? column.cell(obj, now)
    : column.jsonPath
      ? evalJsonPath(obj, column.jsonPath)
      : undefined;
  if (raw === undefined || raw === null) return null;
  if (column.type === 'date' && !column.cell) return formatAge(raw, now) ?? null;
  if (typeof raw === 'object') return JSON.stringify(raw);
  return raw;
}

export interface TableOptions {
  /** None | Metadata (default) | Object. */
  includeObject?: string;
  /** Continue token and list resourceVersion for the Table's ListMeta. */
  resourceVersion?: string;
  continueToken?: string;
  /** Leave columnDefinitions out (real servers do it for watch events after the first). */
  noHeaders?: boolean;
}

export function columnDefinitions(kind: ResourceKind): Record<string, unknown>[] {
  const name = {
    name: 'Name',
    type: 'string',
    format: 'name',
    description:
      'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
    priority: kind.nameColumnWide ? 1 : 0,
  };
  const defs: Record<string, unknown>[] = kind.nameColumnWide ? [] : [name];
  for (const c of kind.columns) {
    defs.push({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.format ?? '',
      description: c.description,
      priority: c.priority ?? 0,
    });
  }
  if (kind.nameColumnWide) defs.push(name);
  return defs;
}

function partialObjectMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

export function tableRow(
  kind: ResourceKind,
  obj: KubeObject,
  now: number,
  includeObject = 'Metadata',
): KubeObject {
  const cells = kind.columns.map((c) => renderCell(c, obj, now));
  const name = metaOf(obj).name ?? '';
  const row: KubeObject = { cells: kind.nameColumnWide ? [...cells, name] : [name, ...cells] };
  if (includeObject === 'Object') row.object = { apiVersion: apiVersionOf(kind), kind: kind.kind, ...obj };
  else if (includeObject !== 'None') row.object = partialObjectMetadata(obj);
  return row;
}

export function buildTable(
  kind: ResourceKind,
  objects: readonly KubeObject[],
  now: number,
  opts: TableOptions = {},
): KubeObject {
  const metadata: Record<string, unknown> = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? null : columnDefinitions(kind),
    rows: objects.map((o) => tableRow(kind, o, now, opts.includeObject)),
  };
}
