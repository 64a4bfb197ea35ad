/**
 * The CustomResourceDefinition of ScheduledDockerJob, generated from the zod schemas in schema.ts
 * (never written by hand): `buildCrd()` for `crds/`, `ofelia-operator crd` and the embedded API
 * server; `openApiSchema()` for /openapi/v3 and `kubectl explain`.
 *
 * zod's JSON Schema is post-processed into a Kubernetes *structural* schema: every node typed, no
 * $ref / anyOf / oneOf, no `additionalProperties: false`, no meaningless int64 bounds, metadata
 * as a bare `type: object` (the API server owns ObjectMeta's schema).
 *
 * The cross-field rules CEL can express (CEL_VALIDATIONS) are added as `x-kubernetes-validations`,
 * so that a real API server refuses such objects at apply time. validate.ts stays the full check
 * (embedded API server, controller, `validate`); these rules are a subset of it, never more.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  API_VERSION,
  CATEGORIES,
  GROUP,
  KIND,
  LIST_KIND,
  PLURAL,
  ScheduledDockerJobSchema,
  SHORT_NAMES,
  SINGULAR,
  VERSION,
} from './schema.ts';

type JsonSchema = Record<string, unknown>;

/** `kubectl get` columns (NAME is implicit). priority 1: only with `-o wide`. */
export const PRINTER_COLUMNS: Array<{
  name: string;
  type: string;
  jsonPath: string;
  description: string;
  priority?: number;
  format?: string;
}> = [
  { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'When the job runs.' },
  { name: 'Timezone', type: 'string', jsonPath: '.spec.timeZone', description: 'Time zone of the schedule.' },
  { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend', description: 'Scheduled runs are paused.' },
  { name: 'Active', type: 'integer', jsonPath: '.status.activeCount', description: 'Runs in progress.' },
  {
    name: 'Last Schedule',
    type: 'date',
    jsonPath: '.status.lastScheduleTime',
    description: 'Scheduled time of the most recent run started.',
  },
  {
    name: 'Last Result',
    type: 'string',
    jsonPath: '.status.lastResult',
    description: 'Result of the most recent finished run.',
  },
  {
    name: 'Next',
    type: 'date',
    jsonPath: '.status.nextScheduleTime',
    description: 'When the next run is due.',
  },
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: 'Time since the job was created.',
  },
  {
    name: 'Image',
    type: 'string',
    jsonPath: '.spec.run.image',
    description: 'Image of a run job.',
    priority: 1,
  },
  {
    name: 'Container',
    type: 'string',
    jsonPath: '.spec.exec.container',
    description: 'Target container of an exec job.',
    priority: 1,
  },
  {
    name: 'Owner',
    type: 'string',
    jsonPath: '.status.owner',
    description: 'Node of the replica that schedules the job.',
    priority: 1,
  },
  {
    name: 'Last Node',
    type: 'string',
    jsonPath: '.status.lastRun.node',
    description: 'Node of the replica that ran the most recent finished run.',
    priority: 1,
  },
];

/** Reasons a CEL rule may give (apiextensions.k8s.io/v1 ValidationRule.reason). */
export type CelReason =
  | 'FieldValueInvalid'
  | 'FieldValueForbidden'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate';

/** One `x-kubernetes-validations` entry and where in the schema it goes. */
export interface CelValidation {
  /** Schema location: property names, `[]` for a list's items (`spec.run.env[]`). */
  at: string;
  rule: string;
  message: string;
  /** Field reported, relative to `at` (`.valueFrom`); default `at` itself. */
  fieldPath?: string;
  /** Default FieldValueInvalid. */
  reason?: CelReason;
}

/** `..` as a path segment: a CEL raw string (no escape processing) holding an RE2 pattern for `matches`. */
const DOT_DOT_SEGMENT = "r'(^|/)\\.\\.(/|$)'";

function envRules(at: string): CelValidation[] {
  return [
    {
      at: `${at}[]`,
      rule: 'has(self.value) || has(self.valueFrom)',
      message: 'exactly one of value and valueFrom must be set',
      fieldPath: '.value',
      reason: 'FieldValueRequired',
    },
    {
      at: `${at}[]`,
      rule: '!(has(self.value) && has(self.valueFrom))',
      message: 'exactly one of value and valueFrom must be set',
      fieldPath: '.valueFrom',
      reason: 'FieldValueForbidden',
    },
    {
      at: `${at}[].valueFrom`,
      rule: 'has(self.secretKeyRef) || has(self.configMapKeyRef)',
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueRequired',
    },
    {
      at: `${at}[].valueFrom`,
      rule: '!(has(self.secretKeyRef) && has(self.configMapKeyRef))',
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueForbidden',
    },
  ];
}

/**
 * The rules of validate.ts that CEL can express, each reporting the same field and reason as
 * validate.ts does. Fields with a default (volume type, retry backoffs) are read without has():
 * an API server applies defaults before it validates. Every string a rule reads has a maxLength and
 * every list above a rule a maxItems (schema.ts), which keeps the estimated cost bounded.
 */
export const CEL_VALIDATIONS: readonly CelValidation[] = [
  {
    at: 'spec',
    rule: 'has(self.run) || has(self.exec) || has(self.start) || has(self.local)',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueRequired',
  },
  {
    at: 'spec',
    rule: '(has(self.run) ? 1 : 0) + (has(self.exec) ? 1 : 0) + (has(self.start) ? 1 : 0) + (has(self.local) ? 1 : 0) <= 1',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueForbidden',
  },
  {
    at: 'spec.schedule',
    // compileSchedule trims and ignores case.
    rule: "!self.matches(r'^\\s*(?i:(cron_)?tz=)')",
    message: 'TZ= and CRON_TZ= prefixes are not supported; set spec.timeZone instead',
  },
  {
    at: 'spec.retry',
    rule: 'self.initialBackoffSeconds <= self.maxBackoffSeconds',
    message: 'must be less than or equal to maxBackoffSeconds',
    fieldPath: '.initialBackoffSeconds',
  },
  ...envRules('spec.run.env'),
  ...envRules('spec.exec.env'),
  {
    at: 'spec.run.volumes[]',
    rule: "self.type != 'bind' || !has(self.source) || self.source.startsWith('/')",
    message: 'a bind mount source must be an absolute path',
    fieldPath: '.source',
  },
  {
    at: 'spec.run.volumes[]',
    rule: `self.type != 'bind' || !has(self.source) || !self.source.matches(${DOT_DOT_SEGMENT})`,
    message: "a bind mount source must not contain '..'",
    fieldPath: '.source',
  },
  { at: 'spec.run.volumes[].target', rule: "self.startsWith('/')", message: 'must be an absolute path' },
  { at: 'spec.run.volumes[].target', rule: "self != '/'", message: "must not be '/'" },
  {
    at: 'spec.run.volumes[].target',
    rule: `!self.matches(${DOT_DOT_SEGMENT})`,
    message: "must not contain '..'",
  },
];

/** The schema node at a CEL_VALIDATIONS location (`spec.run.env[]`) under the root schema. */
export function schemaNodeAt(root: JsonSchema, at: string): JsonSchema {
  let node = root;
  for (const step of at.replace(/\[\]/g, '.[]').split('.')) {
    const next = step === '[]' ? node.items : (node.properties as JsonSchema | undefined)?.[step];
    if (next === null || typeof next !== 'object') throw new Error(`no schema node at ${at} (step ${step})`);
    node = next as JsonSchema;
  }
  return node;
}

/** Adds each rule to its node, in table order, without the keys left at their defaults. */
function addCelValidations(root: JsonSchema): void {
  for (const { at, ...rule } of CEL_VALIDATIONS) {
    const node = schemaNodeAt(root, at);
    const list = (node['x-kubernetes-validations'] ?? []) as Array<Omit<CelValidation, 'at'>>;
    list.push(rule);
    node['x-kubernetes-validations'] = list;
  }
}

/** zod writes these bounds for every `.int()`; they say nothing and clutter the CRD. */
const SAFE_INT = Number.MAX_SAFE_INTEGER;

/** Recursively turns zod's JSON Schema into a Kubernetes structural schema node. */
export function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node as JsonSchema)) {
    if (key === '$schema') continue;
    if ((key === 'minimum' && value === -SAFE_INT) || (key === 'maximum' && value === SAFE_INT)) continue;
    if (key === 'additionalProperties' && (value === false || isEmptyObject(value))) continue;
    if (key === 'required' && Array.isArray(value) && value.length === 0) continue;
    // Maps of names to values (properties) hold schemas, not keywords: recurse into each entry.
    out[key] =
      key === 'properties'
        ? mapValues(value as JsonSchema, structural)
        : key === 'default'
          ? value
          : structural(value);
  }
  return ordered(out);
}

/** Keyword order for a readable CRD: what a node is first, its children last. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'required',
  'items',
  'properties',
  'additionalProperties',
];

function ordered(node: JsonSchema): JsonSchema {
  const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);
  return Object.fromEntries(Object.entries(node).sort(([a], [b]) => rank(a) - rank(b)));
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

function mapValues(o: JsonSchema, fn: (v: unknown) => unknown): JsonSchema {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v)]));
}

/** The structural openAPIV3Schema of the whole object (as served by /openapi/v3 and used by explain). */
export function openApiSchema(): Record<string, unknown> {
  const raw = z.toJSONSchema(ScheduledDockerJobSchema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
  });
  const schema = structural(raw) as JsonSchema;
  const properties = schema.properties as JsonSchema;
  const root: JsonSchema = {
    description:
      'ScheduledDockerJob runs a Docker container (or a command in a running container) on a schedule.',
    type: 'object',
    // apiVersion, kind and metadata are the API server's to check; only spec is the user's to give.
    required: ['spec'],
    properties: {
      apiVersion: {
        description:
          'APIVersion defines the versioned schema of this representation of an object. Always ' +
          `${API_VERSION}.`,
        type: 'string',
      },
      kind: {
        description: `Kind is a string value representing the REST resource this object represents. Always ${KIND}.`,
        type: 'string',
      },
      metadata: {
        type: 'object',
        description: 'Standard object metadata (name, namespace, labels, annotations).',
      },
      spec: properties.spec,
      status: properties.status,
    },
  };
  addCelValidations(root);
  return root;
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition, as plain JSON. */
export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'ofelia-operator', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: GROUP,
      names: {
        plural: PLURAL,
        singular: SINGULAR,
        kind: KIND,
        listKind: LIST_KIND,
        shortNames: [...SHORT_NAMES],
        categories: [...CATEGORIES],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema() },
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

/** The CRD as the YAML file committed under crds/ (and printed by `ofelia-operator crd`). */
export function renderCrdYaml(): string {
  return (
    '# Generated by hack/gen-crd.ts from src/api/schema.ts. Do not edit: run `node --import tsx hack/gen-crd.ts`.\n' +
    stringify(buildCrd(), { lineWidth: 0 })
  );
}
