/**
 * The built-in kinds the operator and kubectl need beside ScheduledDockerJobs: core/v1 Namespaces,
 * Events, Secrets, ConfigMaps and coordination.k8s.io/v1 Leases. Validation is the minimum that keeps
 * stored objects well-formed (types of the fields the operator reads); unknown fields are kept.
 */

import type { Admission, ColumnSpec, KubeObject, ResourceKind } from './kinds.ts';
import type { StatusCause } from './status-errors.ts';
import { evalJsonPath, formatAge } from './tables.ts';

const AGE: ColumnSpec = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

const OBJECT_META_REF = {};

function base(
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

function objectSchema(
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

const str = (description: string) => ({ type: 'string', description });
const int = (description: string) => ({ type: 'integer', description });
const stringMap = (description: string) => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});

/** Causes for fields that must be strings / string maps / integers when present. */
function typeCauses(
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

function admitWith(
  checks: Record<string, 'string' | 'stringMap' | 'integer' | 'object'>,
  fill?: (o: KubeObject) => StatusCause[],
) {
  return (obj: KubeObject): Admission => {
    const causes = typeCauses(obj, checks);
    if (causes.length === 0 && fill) causes.push(...fill(obj));
    return causes.length ? { ok: false, causes } : { ok: true, object: obj };
  };
}

export function namespaceKind(): ResourceKind {
  return base('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    columns: [
      {
        name: 'Status',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'The phase of the namespace.',
      },
      AGE,
    ],
    admit: admitWith({}, (o) => {
      const status = (o.status ?? {}) as Record<string, unknown>;
      o.status = { ...status, phase: status.phase ?? 'Active' };
      return [];
    }),
    fieldLabels: { 'status.phase': (o) => evalJsonPath(o, '.status.phase') as string | undefined },
    openApiSchema: objectSchema('Namespace provides a scope for Names.', {
      spec: { type: 'object', properties: { finalizers: { type: 'array', items: { type: 'string' } } } },
      status: { type: 'object', properties: { phase: str('Active or Terminating.') } },
    }),
  });
}

function involved(o: KubeObject, f: string): string | undefined {
  const v = evalJsonPath(o, `.involvedObject.${f}`);
  return v === undefined ? undefined : String(v);
}

export function eventKind(): ResourceKind {
  const lastSeen = (o: KubeObject, now: number) =>
    formatAge(
      o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? evalJsonPath(o, '.metadata.creationTimestamp'),
      now,
    );
  return base('', 'v1', 'Event', 'events', true, {
    shortNames: ['ev'],
    nameColumnWide: true,
    columns: [
      { name: 'Last Seen', type: 'string', description: 'Time of the latest occurrence.', cell: lastSeen },
      { name: 'Type', type: 'string', jsonPath: '.type', description: 'Normal or Warning.' },
      { name: 'Reason', type: 'string', jsonPath: '.reason', description: 'Why the event happened.' },
      {
        name: 'Object',
        type: 'string',
        description: 'The object the event is about.',
        cell: (o) => `${(involved(o, 'kind') ?? '').toLowerCase()}/${involved(o, 'name') ?? ''}`,
      },
      { name: 'Count', type: 'integer', jsonPath: '.count', description: 'Occurrences.', priority: 1 },
      { name: 'Message', type: 'string', jsonPath: '.message', description: 'Human-readable description.' },
    ],
    fieldLabels: {
      'involvedObject.kind': (o) => involved(o, 'kind'),
      'involvedObject.namespace': (o) => involved(o, 'namespace'),
      'involvedObject.name': (o) => involved(o, 'name'),
      'involvedObject.uid': (o) => involved(o, 'uid'),
      'involvedObject.apiVersion': (o) => involved(o, 'apiVersion'),
      'involvedObject.resourceVersion': (o) => involved(o, 'resourceVersion'),
      'involvedObject.fieldPath': (o) => involved(o, 'fieldPath'),
      reason: (o) => o.reason as string | undefined,
      type: (o) => o.type as string | undefined,
      source: (o) => evalJsonPath(o, '.source.component') as string | undefined,
    },
    admit: admitWith({
      involvedObject: 'object',
      reason: 'string',
      message: 'string',
      type: 'string',
      count: 'integer',
      firstTimestamp: 'string',
      lastTimestamp: 'string',
    }),
    openApiSchema: objectSchema('Event is a report of an event somewhere in the cluster.', {
      involvedObject: {
        type: 'object',
        properties: {
          kind: str('Kind'),
          namespace: str('Namespace'),
          name: str('Name'),
          uid: str('UID'),
          apiVersion: str('API version'),
        },
      },
      reason: str('Short, machine understandable reason (CamelCase).'),
      message: str('Human-readable description.'),
      type: str('Normal or Warning.'),
      count: int('Number of occurrences.'),
      firstTimestamp: str('First occurrence.'),
      lastTimestamp: str('Latest occurrence.'),
      source: { type: 'object', properties: { component: str('Component'), host: str('Host') } },
    }),
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function secretKind(): ResourceKind {
  return base('', 'v1', 'Secret', 'secrets', true, {
    columns: [
      { name: 'Type', type: 'string', jsonPath: '.type', description: 'The type of the secret.' },
      {
        name: 'Data',
        type: 'integer',
        description: 'Number of keys.',
        cell: (o) => Object.keys((o.data ?? {}) as object).length,
      },
      AGE,
    ],
    fieldLabels: { type: (o) => o.type as string | undefined },
    admit: admitWith({ data: 'stringMap', stringData: 'stringMap', type: 'string' }, (o) => {
      const data = { ...((o.data ?? {}) as Record<string, string>) };
      const causes: StatusCause[] = [];
      for (const [k, v] of Object.entries(data)) {
        if (v.length % 4 !== 0 || !BASE64.test(v))
          causes.push({
            reason: 'FieldValueInvalid',
            field: `data[${k}]`,
            message: 'Invalid value: not base64',
          });
      }
      // stringData is write-only: merged into data, never stored (as a real server does).
      for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>))
        data[k] = Buffer.from(v, 'utf8').toString('base64');
      delete o.stringData;
      if (Object.keys(data).length > 0) o.data = data;
      if (typeof o.type !== 'string' || o.type === '') o.type = 'Opaque';
      return causes;
    }),
    openApiSchema: objectSchema('Secret holds secret data of a certain type.', {
      data: stringMap('Base64-encoded values.'),
      stringData: stringMap('Write-only plain values, merged into data.'),
      type: str('Used to facilitate programmatic handling of secret data.'),
    }),
  });
}

export function configMapKind(): ResourceKind {
  return base('', 'v1', 'ConfigMap', 'configmaps', true, {
    shortNames: ['cm'],
    columns: [
      {
        name: 'Data',
        type: 'integer',
        description: 'Number of keys.',
        cell: (o) =>
          Object.keys((o.data ?? {}) as object).length + Object.keys((o.binaryData ?? {}) as object).length,
      },
      AGE,
    ],
    admit: admitWith({ data: 'stringMap', binaryData: 'stringMap' }),
    openApiSchema: objectSchema('ConfigMap holds configuration data for pods to consume.', {
      data: stringMap('Configuration data.'),
      binaryData: stringMap('Base64-encoded binary data.'),
    }),
  });
}

export function leaseKind(): ResourceKind {
  return base('coordination.k8s.io', 'v1', 'Lease', 'leases', true, {
    columns: [
      {
        name: 'Holder',
        type: 'string',
        jsonPath: '.spec.holderIdentity',
        description: 'The current holder.',
      },
      AGE,
    ],
    tracksGeneration: false,
    admit: admitWith({
      spec: 'object',
      'spec.holderIdentity': 'string',
      'spec.leaseDurationSeconds': 'integer',
      'spec.leaseTransitions': 'integer',
      'spec.acquireTime': 'string',
      'spec.renewTime': 'string',
    }),
    openApiSchema: objectSchema('Lease defines a lease concept.', {
      spec: {
        type: 'object',
        properties: {
          holderIdentity: str('Identity of the holder.'),
          leaseDurationSeconds: int('Duration candidates wait to force acquire it.'),
          acquireTime: str('When the current lease was acquired (MicroTime).'),
          renewTime: str('When the current holder last updated it (MicroTime).'),
          leaseTransitions: int('Number of transitions between holders.'),
        },
      },
    }),
  });
}
