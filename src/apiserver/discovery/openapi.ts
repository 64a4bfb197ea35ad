/**
 * OpenAPI v3 as kubectl consumes it: an index of group versions, then one document per group
 * version with real schemas (so `kubectl explain` works) and a PATCH operation per kind carrying
 * `x-kubernetes-group-version-kind` and a `fieldValidation` parameter (so `kubectl apply` leaves
 * validation to the server instead of failing). v2, for older clients, is openapi-v2.ts, built
 * from the same schemas.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceKind } from '../kinds/kind.ts';
import type { KindRegistry } from '../kinds/kind-registry.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META = `${META}.ObjectMeta`;

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The schema name a real server would use: reversed group domain, version, kind. */
export function schemaName(k: ResourceKind): string {
  if (!k.group) return `io.k8s.api.core.${k.version}.${k.kind}`;
  if (!k.group.includes('.') || k.group.endsWith('.k8s.io'))
    return `io.k8s.api.${k.group.replace(/\.k8s\.io$/, '').split('.')[0]}.${k.version}.${k.kind}`;
  return `${k.group.split('.').reverse().join('.')}.${k.version}.${k.kind}`;
}

const str = (description: string) => ({ type: 'string', description });

export function metaSchemas(): Record<string, unknown> {
  return {
    [OBJECT_META]: {
      type: 'object',
      description: 'ObjectMeta is metadata that all persisted resources must have.',
      properties: {
        name: str('Name must be unique within a namespace.'),
        generateName: str('Optional prefix the server uses to generate a unique name.'),
        namespace: str('Namespace defines the space within which each name must be unique.'),
        uid: str('UID is the unique in time and space value for this object.'),
        resourceVersion: str('An opaque value that represents the internal version of this object.'),
        generation: {
          type: 'integer',
          format: 'int64',
          description: 'A sequence number representing a specific generation of the desired state.',
        },
        creationTimestamp: str('Time this object was created (RFC 3339).'),
        deletionTimestamp: str('Time after which this resource will be deleted (RFC 3339).'),
        deletionGracePeriodSeconds: {
          type: 'integer',
          format: 'int64',
          description: 'Seconds allowed for graceful termination.',
        },
        labels: {
          type: 'object',
          additionalProperties: { type: 'string', default: '' },
          description: 'Map of string keys and values for selecting objects.',
        },
        annotations: {
          type: 'object',
          additionalProperties: { type: 'string', default: '' },
          description: 'Unstructured key value map set by external tools.',
        },
        finalizers: {
          type: 'array',
          items: { type: 'string', default: '' },
          description: 'Must be empty before the object is deleted from the registry.',
        },
        ownerReferences: {
          type: 'array',
          items: { type: 'object' },
          description: 'Objects depended by this object.',
        },
        managedFields: {
          type: 'array',
          items: { $ref: `#/components/schemas/${META}.ManagedFieldsEntry` },
          description: 'Which managers own which fields (server-side apply).',
        },
      },
    },
    [`${META}.ManagedFieldsEntry`]: {
      type: 'object',
      description:
        'A workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
      properties: {
        manager: str('The workflow managing these fields.'),
        operation: str('Apply or Update.'),
        apiVersion: str('The API version of the fields.'),
        time: str('When the fields were last changed.'),
        fieldsType: str('FieldsV1.'),
        fieldsV1: { type: 'object', description: 'The set of fields.' },
        subresource: str('The subresource used to change the fields.'),
      },
    },
    [`${META}.Status`]: {
      type: 'object',
      description: 'Status is a return value for calls that do not return other objects.',
      properties: {
        status: str('Success or Failure.'),
        message: str('Description.'),
        reason: str('Machine-readable reason.'),
        code: { type: 'integer' },
      },
    },
  };
}

function ref(name: string): Record<string, unknown> {
  return { $ref: `#/components/schemas/${name}` };
}

function kindSchema(k: ResourceKind): Record<string, unknown> {
  const schema = k.openApiSchema();
  const props = { ...((schema.properties ?? {}) as Record<string, unknown>) };
  props.metadata = { allOf: [ref(OBJECT_META)], default: {}, description: "Standard object's metadata." };
  return {
    ...schema,
    properties: props,
    'x-kubernetes-group-version-kind': [{ group: k.group, version: k.version, kind: k.kind }],
  };
}

function query(name: string, description: string, type = 'string'): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function operations(k: ResourceKind, action: string): Record<string, unknown> {
  const name = schemaName(k);
  const body = { content: { '*/*': { schema: ref(name) } }, required: true };
  const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref(name) } } } };
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  const op = (method: string, extra: Record<string, unknown>) => ({
    operationId: `${method}${k.kind}${action}`,
    tags: [apiVersionOf(k)],
    responses: ok,
    'x-kubernetes-action': method === 'read' ? 'get' : method,
    'x-kubernetes-group-version-kind': gvk,
    ...extra,
  });
  const writeParams = [
    query('dryRun', 'When present, indicates that modifications should not be persisted.'),
    query('fieldManager', 'A name associated with the actor or entity that is making these changes.'),
    query('fieldValidation', 'Ignore, Warn (default) or Strict handling of unknown or duplicate fields.'),
  ];
  return {
    get: op('read', {}),
    put: op('replace', { parameters: writeParams, requestBody: body }),
    patch: op('patch', {
      parameters: [...writeParams, query('force', 'Force is going to "force" Apply requests.', 'boolean')],
      requestBody: {
        content: {
          'application/json-patch+json': { schema: { type: 'object' } },
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/apply-patch+yaml': { schema: { type: 'object' } },
        },
        required: true,
      },
    }),
    delete: op('delete', {}),
  };
}

function pathParams(k: ResourceKind): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [
    { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
  ];
  if (k.namespaced) out.push({ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } });
  return out;
}

export function openApiDocument(
  registry: KindRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const gv = registry.groupVersion(group, version);
  if (!gv) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { ...metaSchemas() };
  for (const k of gv.kinds) {
    const base = `/${gvPath(group, version)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}`;
    paths[`${base}/{name}`] = {
      ...operations(k, k.namespaced ? 'Namespaced' : ''),
      parameters: pathParams(k),
    };
    if (k.statusSubresource)
      paths[`${base}/{name}/status`] = { ...operations(k, 'Status'), parameters: pathParams(k) };
    schemas[schemaName(k)] = kindSchema(k);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'ofelia-operator embedded API server', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}

/** `/openapi/v3`: each group version with a hashed URL (clients cache documents by it). */
export function openApiIndex(registry: KindRegistry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const gv of registry.groupVersions()) {
    const doc = openApiDocument(registry, gv.group, gv.version);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 64).toUpperCase();
    const p = gvPath(gv.group, gv.version);
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { paths };
}
