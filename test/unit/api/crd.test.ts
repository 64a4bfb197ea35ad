import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { buildCrd, openApiSchema, PRINTER_COLUMNS } from '../../../src/api/crd.ts';

type Node = Record<string, unknown>;

/**
 * Violations of Kubernetes' structural-schema rules (apiextensions "Specifying a structural
 * schema"), plus the conventions this project holds the CRD to. Returns one line per violation.
 */
function structuralViolations(node: Node, path: string, out: string[] = []): string[] {
  if (typeof node.type !== 'string') out.push(`${path}: no type`);
  for (const key of [
    '$ref',
    '$schema',
    'anyOf',
    'oneOf',
    'allOf',
    'not',
    'nullable',
    'definitions',
    '$defs',
  ]) {
    if (key in node) out.push(`${path}: has ${key}`);
  }
  if ('x-kubernetes-preserve-unknown-fields' in node) out.push(`${path}: preserves unknown fields`);
  if (node.additionalProperties === false) out.push(`${path}: additionalProperties: false`);
  if (node.properties && node.additionalProperties)
    out.push(`${path}: both properties and additionalProperties`);
  if (node.type === 'integer') {
    for (const bound of ['minimum', 'maximum'] as const) {
      const v = node[bound];
      if (typeof v === 'number' && Math.abs(v) >= Number.MAX_SAFE_INTEGER)
        out.push(`${path}: meaningless ${bound}`);
    }
  }
  if (node.default !== undefined && !matchesType(node.default, node.type))
    out.push(`${path}: default of wrong type`);
  if (Array.isArray(node.enum) && node.default !== undefined && !node.enum.includes(node.default)) {
    out.push(`${path}: default not in enum`);
  }
  if (Array.isArray(node.required)) {
    for (const r of node.required) {
      if (!node.properties || !(r in (node.properties as Node)))
        out.push(`${path}: required ${r} is not a property`);
    }
  }
  for (const [key, child] of Object.entries((node.properties ?? {}) as Node)) {
    structuralViolations(child as Node, `${path}.${key}`, out);
  }
  if (node.items) structuralViolations(node.items as Node, `${path}[]`, out);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    structuralViolations(node.additionalProperties as Node, `${path}{}`, out);
  }
  if (node.type === 'array' && !node.items) out.push(`${path}: array without items`);
  return out;
}

function matchesType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return false;
  }
}

function version(): Node {
  const crd = buildCrd() as { spec: { versions: Node[] } };
  assert.equal(crd.spec.versions.length, 1);
  return crd.spec.versions[0] as Node;
}

test('the schema is structural', () => {
  const schema = (version().schema as Node).openAPIV3Schema as Node;
  assert.deepEqual(structuralViolations(schema, '<root>'), []);
});

test('the structural checker finds what it is meant to find', () => {
  // A checker that cannot fail proves nothing: feed it each violation once.
  const bad: Node = {
    type: 'object',
    required: ['missing'],
    properties: {
      untyped: { description: 'x' },
      union: { type: 'string', anyOf: [{ type: 'string' }] },
      ref: { type: 'object', $ref: '#/x' },
      strict: { type: 'object', additionalProperties: false },
      big: { type: 'integer', maximum: Number.MAX_SAFE_INTEGER },
      dflt: { type: 'integer', default: 'x' },
      list: { type: 'array' },
      loose: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  assert.deepEqual(structuralViolations(bad, 'r').sort(), [
    'r.big: meaningless maximum',
    'r.dflt: default of wrong type',
    'r.list: array without items',
    'r.loose: preserves unknown fields',
    'r.ref: has $ref',
    'r.strict: additionalProperties: false',
    'r.union: has anyOf',
    'r.untyped: no type',
    'r: required missing is not a property',
  ]);
});

test('metadata is a bare object and only spec is required at the root', () => {
  const schema = openApiSchema() as { required: string[]; properties: Record<string, Node> };
  assert.deepEqual(schema.required, ['spec']);
  assert.deepEqual(Object.keys(schema.properties).sort(), [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
    'status',
  ]);
  const { type, ...rest } = schema.properties.metadata as Node;
  assert.equal(type, 'object');
  assert.deepEqual(Object.keys(rest), ['description']);
});

test('the CRD validates as an apiextensions.k8s.io/v1 CustomResourceDefinition (kubernetes-models)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: kubernetes-models types the constructor argument narrowly
  assert.doesNotThrow(() => new CustomResourceDefinition(buildCrd() as any).validate());
});

test('kubernetes-models rejects a broken CRD (the validation is real)', () => {
  const crd = buildCrd() as { spec: Node };
  delete crd.spec.names;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  assert.throws(() => new CustomResourceDefinition(crd as any).validate());
});

test('names, scope, version and status subresource', () => {
  const crd = buildCrd() as { metadata: Node; spec: Node };
  assert.equal(crd.metadata.name, 'scheduleddockerjobs.ofelia.dev');
  assert.equal(crd.spec.group, 'ofelia.dev');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual(crd.spec.names, {
    plural: 'scheduleddockerjobs',
    singular: 'scheduleddockerjob',
    kind: 'ScheduledDockerJob',
    listKind: 'ScheduledDockerJobList',
    shortNames: ['sdj'],
    categories: ['all', 'ofelia'],
  });
  const v = version();
  assert.equal(v.name, 'v1alpha1');
  assert.equal(v.served, true);
  assert.equal(v.storage, true);
  assert.deepEqual(v.subresources, { status: {} });
});

test('every printer column points at a field of the schema', () => {
  const schema = openApiSchema() as Node;
  for (const column of PRINTER_COLUMNS) {
    if (column.jsonPath === '.metadata.creationTimestamp') continue; // ObjectMeta is the server's
    let node: Node | undefined = schema;
    for (const key of column.jsonPath.slice(1).split('.')) {
      node = (node?.properties as Record<string, Node> | undefined)?.[key];
    }
    assert.ok(node, `${column.name}: ${column.jsonPath} is not in the schema`);
    const want = column.type === 'date' ? 'string' : column.type;
    assert.equal(
      node.type,
      want,
      `${column.name}: column type ${column.type}, field type ${String(node.type)}`,
    );
  }
});

test('printer columns: the CronJob set plus result and next time; image, container, owner and last node in wide', () => {
  assert.deepEqual(
    PRINTER_COLUMNS.map((c) => [c.name, c.priority ?? 0]),
    [
      ['Schedule', 0],
      ['Timezone', 0],
      ['Suspend', 0],
      ['Active', 0],
      ['Last Schedule', 0],
      ['Last Result', 0],
      ['Next', 0],
      ['Age', 0],
      ['Image', 1],
      ['Container', 1],
      ['Owner', 1],
      ['Last Node', 1],
    ],
  );
  const crdColumns = version().additionalPrinterColumns;
  assert.deepEqual(crdColumns, PRINTER_COLUMNS);
});

test('the CRD carries the bounds and defaults of the schema', () => {
  const spec = (openApiSchema() as { properties: { spec: { properties: Record<string, Node> } } }).properties
    .spec.properties;
  assert.deepEqual(
    { min: spec.jitterSeconds?.minimum, max: spec.jitterSeconds?.maximum, dflt: spec.jitterSeconds?.default },
    { min: 0, max: 3600, dflt: 0 },
  );
  assert.deepEqual(spec.concurrencyPolicy?.enum, ['Allow', 'Forbid', 'Replace']);
  assert.equal(spec.concurrencyPolicy?.default, 'Forbid');
  assert.equal(spec.timeZone?.default, 'UTC');
});
