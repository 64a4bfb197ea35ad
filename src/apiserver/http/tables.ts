/**
 * Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get`, the way a real API server renders
 * them (NAME first with `format: name`, `priority: 1` columns only for `-o wide`, dates as ages like
 * `5s`, `3m12s`, `2d`), with rows carrying PartialObjectMetadata so `-A` and `--show-labels` work.
 * Pure: takes objects and `now`, returns JSON.
 */
import { evalJsonPath, formatAge } from '../kinds/column-values.ts';
import { apiVersionOf, type ColumnSpec, type KubeObject, metaOf, type ResourceKind } from '../kinds/kind.ts';

export const TABLE_MEDIA_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

/** True when the Accept header asks for a meta.k8s.io/v1 Table (kubectl get does). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io') && params.includes('v=v1');
  });
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
