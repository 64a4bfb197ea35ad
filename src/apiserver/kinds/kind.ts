/**
 * A kind: everything the generic REST machinery needs to know about one resource (names for
 * discovery, scope, admission = defaults + validation, printer columns, extra field selectors,
 * OpenAPI schema), plus the object and storage-key helpers every part shares. Handlers never
 * special-case a kind by name except through this.
 */
import type { StatusCause } from '../status-errors.ts';

export type KubeObject = Record<string, unknown>;

export interface ObjectMetaView {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** The metadata of an object (created empty when missing, so writes can fill it). */
export function metaOf(obj: KubeObject): ObjectMetaView {
  let m = obj.metadata;
  if (!m || typeof m !== 'object' || Array.isArray(m)) {
    m = {};
    obj.metadata = m;
  }
  return m as ObjectMetaView;
}

export interface ColumnSpec {
  name: string;
  /** OpenAPI type of the cell: string, integer, number, boolean, date (rendered as an age). */
  type: string;
  format?: string;
  description: string;
  priority?: number;
  jsonPath?: string;
  /** Computed cell, for columns a JSONPath cannot express. */
  cell?: (obj: KubeObject, now: number) => unknown;
}

export type Admission = { ok: true; object: KubeObject } | { ok: false; causes: StatusCause[] };
/** `status` undefined: the object has none. */
export type StatusAdmission = { ok: true; status: unknown } | { ok: false; causes: StatusCause[] };

export interface ResourceKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Has a `status` subresource: main writes keep the stored status, status writes change only it. */
  readonly statusSubresource: boolean;
  /** Accepts strategic merge patches (built-in kinds; a real server refuses them for custom resources). */
  readonly strategicMerge?: boolean;
  /** `metadata.generation` starts at 1 and rises when `spec` changes. */
  readonly tracksGeneration: boolean;
  /** Table columns after NAME (an AGE column is expected among them). */
  /** NAME is the last column and only in `-o wide` (Events print this way). */
  readonly nameColumnWide?: boolean;
  readonly columns: readonly ColumnSpec[];
  /** Field-selector fields beyond metadata.name / metadata.namespace. */
  readonly fieldLabels: Readonly<Record<string, (obj: KubeObject) => string | undefined>>;
  /** Defaults and validation of a full object about to be stored (metadata already set). */
  admit(obj: KubeObject): Admission;
  /**
   * Validation of a status alone, for writes to the status subresource (the rest of the object is
   * the stored one, admitted when written). Without it a status write admits the whole object.
   */
  admitStatus?(status: unknown): StatusAdmission;
  /** Paths of fields the schema does not know (for fieldValidation); [] when not checked. */
  unknownFields(obj: KubeObject): string[];
  /** OpenAPI v3 schema of the whole object; `metadata` is replaced by a $ref to ObjectMeta. */
  openApiSchema(): Record<string, unknown>;
}

export function apiVersionOf(k: Pick<ResourceKind, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The storage key prefix of a kind; objects are `<prefix><namespace>/<name>` ('' namespace if cluster-scoped). */
export function keyPrefix(k: ResourceKind): string {
  return `${k.group}/${k.plural}/`;
}

export function objectKey(k: ResourceKind, namespace: string | undefined, name: string): string {
  return `${keyPrefix(k)}${k.namespaced ? (namespace ?? '') : ''}/${name}`;
}
