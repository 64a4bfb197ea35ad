/**
 * Building blocks of the built-in kinds the operator and kubectl need beside ScheduledDockerJobs
 * (core/v1 Namespaces, Events, Secrets, ConfigMaps; coordination.k8s.io/v1 Leases; one file per
 * kind next to this one): the common defaults, a small OpenAPI schema builder, and admission that
 * checks only the types of the fields the operator reads, so stored objects stay well-formed while
 * unknown fields are kept.
 */
import type { StatusCause } from '../status-errors.ts';
import { evalJsonPath } from './column-values.ts';
import type { Admission, KubeObject, ResourceKind } from './kind.ts';

const OBJECT_META_REF = {};

export function base(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<ResourceKind> & Pick<ResourceKind, 'columns' | 'admit' | 'openApiSchema'>,
): ResourceKind {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    strategicMerge: true,
    tracksGeneration: false,
    fieldLabels: {},
    unknownFields: () => [],
    ...extra,
  };
}

export function objectSchema(
  description: string,
  properties: Record<string, unknown>,
): () => Record<string, unknown> {
  return () => ({
    type: 'object',
    description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource.' },
      metadata: OBJECT_META_REF,
      ...properties,
    },
  });
}

export const str = (description: string) => ({ type: 'string', description });
export const int = (description: string) => ({ type: 'integer', description });
export const stringMap = (description: string) => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});

/** Causes for fields that must be strings / string maps / integers when present. */
export function typeCauses(
  obj: KubeObject,
  checks: Record<string, 'string' | 'stringMap' | 'integer' | 'object'>,
): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [path, type] of Object.entries(checks)) {
    const v = evalJsonPath(obj, `.${path}`);
    if (v === undefined || v === null) continue;
    const ok =
      type === 'string'
        ? typeof v === 'string'
        : type === 'integer'
          ? Number.isInteger(v)
          : typeof v === 'object' &&
            !Array.isArray(v) &&
            (type === 'object' || Object.values(v as object).every((x) => typeof x === 'string'));
    if (!ok)
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: must be of type ${type}`,
      });
  }
  return causes;
}

export function admitWith(
  checks: Record<string, 'string' | 'stringMap' | 'integer' | 'object'>,
  fill?: (o: KubeObject) => StatusCause[],
) {
  return (obj: KubeObject): Admission => {
    const causes = typeCauses(obj, checks);
    if (causes.length === 0 && fill) causes.push(...fill(obj));
    return causes.length ? { ok: false, causes } : { ok: true, object: obj };
  };
}
