/**
 * The CRD's CEL rules (x-kubernetes-validations): each is where it belongs with its message, its
 * cost is bounded (what an API server checks before it accepts the CRD), and it agrees with
 * validate.ts. No CEL evaluator is available here, so agreement is asserted per rule on an example
 * that breaks it: validate.ts must refuse the example with exactly one cause, at the field and with
 * the reason the CEL rule reports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { ValidationRule } from 'kubernetes-models/apiextensions.k8s.io/v1/ValidationRule';
import { parse } from 'yaml';
import {
  buildCrd,
  CEL_VALIDATIONS,
  type CelReason,
  type CelValidation,
  openApiSchema,
  renderCrdYaml,
  schemaNodeAt,
} from '../../../src/api/crd.ts';
import { MAX_LIST_ITEMS, MAX_PATH_LENGTH, MAX_SCHEDULE_LENGTH } from '../../../src/api/schema.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { execJob, type Manifest, runJob } from './fixtures.ts';

type Node = Record<string, unknown>;

const RULES_KEY = 'x-kubernetes-validations';
const REASONS: readonly CelReason[] = [
  'FieldValueInvalid',
  'FieldValueForbidden',
  'FieldValueRequired',
  'FieldValueDuplicate',
];

/** The schema as the committed-format CRD carries it (through YAML, as an API server reads it). */
function crdSchema(): Node {
  const crd = parse(renderCrdYaml()) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Node } }> } };
  return crd.spec.versions[0]?.schema.openAPIV3Schema as Node;
}

/** Every x-kubernetes-validations entry in the schema, with its location (`[]` for list items). */
function rulesIn(
  node: Node,
  at: string,
  out: Array<Node & { at: string }> = [],
): Array<Node & { at: string }> {
  for (const rule of (node[RULES_KEY] ?? []) as Node[]) out.push({ at, ...rule });
  for (const [key, child] of Object.entries((node.properties ?? {}) as Node))
    rulesIn(child as Node, at ? `${at}.${key}` : key, out);
  if (node.items) rulesIn(node.items as Node, `${at}[]`, out);
  return out;
}

// ---- presence -------------------------------------------------------------------------------------

const EXPECTED: Array<{ at: string; message: string; reason?: CelReason; fieldPath?: string }> = [
  {
    at: 'spec',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueRequired',
  },
  {
    at: 'spec',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueForbidden',
  },
  {
    at: 'spec.schedule',
    message: 'TZ= and CRON_TZ= prefixes are not supported; set spec.timeZone instead',
  },
  {
    at: 'spec.retry',
    message: 'must be less than or equal to maxBackoffSeconds',
    fieldPath: '.initialBackoffSeconds',
  },
  ...['spec.run.env', 'spec.exec.env'].flatMap((env) => [
    {
      at: `${env}[]`,
      message: 'exactly one of value and valueFrom must be set',
      reason: 'FieldValueRequired' as const,
      fieldPath: '.value',
    },
    {
      at: `${env}[]`,
      message: 'exactly one of value and valueFrom must be set',
      reason: 'FieldValueForbidden' as const,
      fieldPath: '.valueFrom',
    },
    {
      at: `${env}[].valueFrom`,
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueRequired' as const,
    },
    {
      at: `${env}[].valueFrom`,
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueForbidden' as const,
    },
  ]),
  {
    at: 'spec.run.volumes[]',
    message: 'a bind mount source must be an absolute path',
    fieldPath: '.source',
  },
  { at: 'spec.run.volumes[]', message: "a bind mount source must not contain '..'", fieldPath: '.source' },
  { at: 'spec.run.volumes[].target', message: 'must be an absolute path' },
  { at: 'spec.run.volumes[].target', message: "must not be '/'" },
  { at: 'spec.run.volumes[].target', message: "must not contain '..'" },
];

test('the CRD carries exactly the expected CEL rules, each with its message, reason and field', () => {
  const found = rulesIn(crdSchema(), '').map(({ at, message, reason, fieldPath }) => ({
    at,
    message,
    ...(reason === undefined ? {} : { reason }),
    ...(fieldPath === undefined ? {} : { fieldPath }),
  }));
  const key = (r: object) => JSON.stringify(r, Object.keys(r).sort());
  assert.deepEqual(found.map(key).sort(), EXPECTED.map(key).sort());
});

test('every rule is well-formed: one line, a message, a known reason, a fieldPath that exists', () => {
  const schema = openApiSchema() as Node;
  for (const v of CEL_VALIDATIONS) {
    const where = `${v.at}: ${v.rule}`;
    assert.ok(v.rule.length > 0 && !/[\r\n]/.test(v.rule), where);
    assert.ok(v.message.length > 0 && !/[\r\n]/.test(v.message), where);
    if (v.reason !== undefined) assert.ok(REASONS.includes(v.reason), where);
    if (v.fieldPath !== undefined) {
      assert.match(v.fieldPath, /^(\.[A-Za-z][A-Za-z0-9]*)+$/, where);
      assert.doesNotThrow(() => schemaNodeAt(schema, `${v.at}${v.fieldPath}`), where);
    }
  }
});

test('a CEL_VALIDATIONS location that does not exist is a generator error, not a silent drop', () => {
  assert.throws(
    () => schemaNodeAt(openApiSchema() as Node, 'spec.run.nope[]'),
    /no schema node at spec\.run\.nope/,
  );
});

test('the CRD with its rules still validates as apiextensions.k8s.io/v1 (kubernetes-models)', () => {
  // biome-ignore lint/suspicious/noExplicitAny: kubernetes-models types the constructor argument narrowly
  assert.doesNotThrow(() => new CustomResourceDefinition(buildCrd() as any).validate());
});

test('each rule is a valid apiextensions.k8s.io/v1 ValidationRule (kubernetes-models)', () => {
  // The CRD model does not look inside openAPIV3Schema, so each entry is checked on its own.
  const rules = rulesIn(crdSchema(), '');
  assert.equal(rules.length, EXPECTED.length);
  for (const { at, ...rule } of rules) {
    // biome-ignore lint/suspicious/noExplicitAny: see above
    assert.doesNotThrow(() => new ValidationRule(rule as any).validate(), `${at}: ${String(rule.rule)}`);
  }
  // biome-ignore lint/suspicious/noExplicitAny: a deliberately wrong reason
  assert.throws(() => new ValidationRule({ rule: 'true', reason: 'NotAReason' } as any).validate());
});

// ---- cost bounds ----------------------------------------------------------------------------------

/** The schema nodes from the root down to `at`, inclusive. */
function nodesOnPath(root: Node, at: string): Array<[string, Node]> {
  const out: Array<[string, Node]> = [];
  let path = '';
  for (const step of at.replace(/\[\]/g, '.[]').split('.')) {
    path = step === '[]' ? `${path}[]` : path ? `${path}.${step}` : step;
    out.push([path, schemaNodeAt(root, path)]);
  }
  return out;
}

test('cost is bounded: every list above a rule has maxItems, every string a rule reads a maximum length', () => {
  const schema = openApiSchema() as Node;
  for (const v of CEL_VALIDATIONS) {
    const path = nodesOnPath(schema, v.at);
    for (const [at, node] of path) {
      if (node.type === 'array')
        assert.equal(typeof node.maxItems, 'number', `${v.rule}: ${at} has no maxItems`);
    }
    const self = path.at(-1)?.[1] as Node;
    // Strings a rule reads (compares, matches): self when the rule sits on a string, else every
    // self.<field> outside has(), which only tests presence. The estimate takes a string's length
    // from maxLength, or from its longest enum value.
    const fields = [...v.rule.replace(/has\(self\.\w+\)/g, '').matchAll(/self\.(\w+)/g)].map((m) => m[1]);
    const read = self.type === 'string' ? [v.at] : [...new Set(fields)].map((f) => `${v.at}.${f}`);
    for (const at of read) {
      const node = schemaNodeAt(schema, at);
      if (node.type !== 'string') continue;
      const bounded = typeof node.maxLength === 'number' || Array.isArray(node.enum);
      assert.ok(bounded, `${v.rule}: ${at} has neither maxLength nor enum`);
    }
  }
});

test('the bounds come from schema.ts and validate.ts refuses what exceeds them', () => {
  const schema = openApiSchema() as Node;
  const bounds: Array<[string, 'maxItems' | 'maxLength', number]> = [
    ['spec.schedule', 'maxLength', MAX_SCHEDULE_LENGTH],
    ['spec.run.volumes[].source', 'maxLength', MAX_PATH_LENGTH],
    ['spec.run.volumes[].target', 'maxLength', MAX_PATH_LENGTH],
    ['spec.run.env', 'maxItems', MAX_LIST_ITEMS],
    ['spec.exec.env', 'maxItems', MAX_LIST_ITEMS],
    ['spec.run.volumes', 'maxItems', MAX_LIST_ITEMS],
    ['spec.run.imagePullSecrets', 'maxItems', MAX_LIST_ITEMS],
  ];
  for (const [at, key, want] of bounds) assert.equal(schemaNodeAt(schema, at)[key], want, `${at}.${key}`);
  assert.deepEqual([MAX_SCHEDULE_LENGTH, MAX_PATH_LENGTH, MAX_LIST_ITEMS], [256, 4096, 100]);

  const over: Array<[string, (m: Manifest) => void, string, string, RegExp]> = [
    [
      'schedule',
      (m) => {
        m.spec.schedule = `0 3 * * *${' '.repeat(MAX_SCHEDULE_LENGTH)}`;
      },
      'spec.schedule',
      'FieldValueTooLong',
      /256/,
    ],
    [
      'volume target',
      (m) => {
        m.spec.run.volumes = [{ source: 'data', target: `/${'a'.repeat(MAX_PATH_LENGTH)}` }];
      },
      'spec.run.volumes[0].target',
      'FieldValueTooLong',
      /4096/,
    ],
    [
      'bind source',
      (m) => {
        m.spec.run.volumes = [{ type: 'bind', source: `/${'a'.repeat(MAX_PATH_LENGTH)}`, target: '/data' }];
      },
      'spec.run.volumes[0].source',
      'FieldValueTooLong',
      /4096/,
    ],
    [
      'run env',
      (m) => {
        m.spec.run.env = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => ({ name: `V${i}`, value: '' }));
      },
      'spec.run.env',
      'FieldValueInvalid',
      /100/,
    ],
    [
      'volumes',
      (m) => {
        m.spec.run.volumes = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => ({
          source: 'data',
          target: `/d${i}`,
        }));
      },
      'spec.run.volumes',
      'FieldValueInvalid',
      /100/,
    ],
    [
      'imagePullSecrets',
      (m) => {
        m.spec.run.imagePullSecrets = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => ({
          name: `s${i}`,
        }));
      },
      'spec.run.imagePullSecrets',
      'FieldValueInvalid',
      /100/,
    ],
  ];
  for (const [name, breakIt, field, reason, mentions] of over) {
    const m = runJob();
    breakIt(m);
    const result = validateScheduledDockerJob(m);
    assert.equal(result.ok, false, name);
    const cause = result.ok ? undefined : result.causes.find((c) => c.field === field);
    assert.ok(cause, `${name}: no cause at ${field}`);
    assert.equal(cause.reason, reason, name);
    assert.match(cause.message, mentions, name);
  }
});

// ---- consistency with validate.ts -----------------------------------------------------------------

interface Example {
  name: string;
  manifest: Manifest;
  /** The CEL rule expected to fire: its location, message and reason. */
  at: string;
  message: string;
  reason?: CelReason;
  /** Where both the CEL rule (at + fieldPath, indices filled in) and validate.ts report it. */
  field: string;
}

function withSpec(base: Manifest, edit: (spec: Manifest) => void): Manifest {
  edit(base.spec);
  return base;
}

const SECRET = { secretKeyRef: { name: 'db', key: 'password' } };
const CONFIG = { configMapKeyRef: { name: 'settings', key: 'level' } };

function envExamples(kind: 'run' | 'exec'): Example[] {
  const job = kind === 'run' ? runJob : execJob;
  const at = `spec.${kind}.env[]`;
  // The broken variable is the second, so the index in the reported field is checked too.
  const env = (broken: Manifest) => (spec: Manifest) => {
    spec[kind].env = [{ name: 'OK', value: '1' }, broken];
  };
  return [
    {
      name: `${kind}: env without value or valueFrom`,
      manifest: withSpec(job(), env({ name: 'A' })),
      at,
      message: 'exactly one of value and valueFrom must be set',
      reason: 'FieldValueRequired',
      field: `spec.${kind}.env[1].value`,
    },
    {
      name: `${kind}: env with value and valueFrom`,
      manifest: withSpec(job(), env({ name: 'A', value: 'x', valueFrom: SECRET })),
      at,
      message: 'exactly one of value and valueFrom must be set',
      reason: 'FieldValueForbidden',
      field: `spec.${kind}.env[1].valueFrom`,
    },
    {
      name: `${kind}: valueFrom with neither reference`,
      manifest: withSpec(job(), env({ name: 'A', valueFrom: {} })),
      at: `${at}.valueFrom`,
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueRequired',
      field: `spec.${kind}.env[1].valueFrom`,
    },
    {
      name: `${kind}: valueFrom with both references`,
      manifest: withSpec(job(), env({ name: 'A', valueFrom: { ...SECRET, ...CONFIG } })),
      at: `${at}.valueFrom`,
      message: 'exactly one of secretKeyRef and configMapKeyRef must be set',
      reason: 'FieldValueForbidden',
      field: `spec.${kind}.env[1].valueFrom`,
    },
  ];
}

function volume(v: Manifest): (spec: Manifest) => void {
  return (spec) => {
    spec.run.volumes = [v];
  };
}

const EXAMPLES: Example[] = [
  {
    name: 'neither run nor exec',
    manifest: withSpec(runJob(), (spec) => {
      delete spec.run;
    }),
    at: 'spec',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueRequired',
    field: 'spec',
  },
  {
    name: 'both run and exec',
    manifest: withSpec(runJob(), (spec) => {
      spec.exec = execJob().spec.exec;
    }),
    at: 'spec',
    message: 'exactly one of spec.run, spec.exec, spec.start and spec.local must be set',
    reason: 'FieldValueForbidden',
    field: 'spec',
  },
  ...['TZ=Europe/Berlin 0 3 * * *', 'CRON_TZ=UTC 0 3 * * *', 'cron_tz=UTC @daily'].map((schedule) => ({
    name: `schedule ${schedule}`,
    manifest: withSpec(runJob(), (spec) => {
      spec.schedule = schedule;
    }),
    at: 'spec.schedule',
    message: 'TZ= and CRON_TZ= prefixes are not supported; set spec.timeZone instead',
    field: 'spec.schedule',
  })),
  {
    name: 'initial backoff above the maximum',
    manifest: withSpec(runJob(), (spec) => {
      spec.retry = { limit: 2, initialBackoffSeconds: 600, maxBackoffSeconds: 60 };
    }),
    at: 'spec.retry',
    message: 'must be less than or equal to maxBackoffSeconds',
    field: 'spec.retry.initialBackoffSeconds',
  },
  {
    name: 'initial backoff above the default maximum (300, applied before CEL runs)',
    manifest: withSpec(runJob(), (spec) => {
      spec.retry = { initialBackoffSeconds: 301 };
    }),
    at: 'spec.retry',
    message: 'must be less than or equal to maxBackoffSeconds',
    field: 'spec.retry.initialBackoffSeconds',
  },
  ...envExamples('run'),
  ...envExamples('exec'),
  {
    name: 'relative bind source',
    manifest: withSpec(runJob(), volume({ type: 'bind', source: 'srv/data', target: '/data' })),
    at: 'spec.run.volumes[]',
    message: 'a bind mount source must be an absolute path',
    field: 'spec.run.volumes[0].source',
  },
  {
    name: "bind source with '..'",
    manifest: withSpec(runJob(), volume({ type: 'bind', source: '/srv/../etc', target: '/data' })),
    at: 'spec.run.volumes[]',
    message: "a bind mount source must not contain '..'",
    field: 'spec.run.volumes[0].source',
  },
  {
    name: 'relative target',
    manifest: withSpec(runJob(), volume({ source: 'data', target: 'data' })),
    at: 'spec.run.volumes[].target',
    message: 'must be an absolute path',
    field: 'spec.run.volumes[0].target',
  },
  {
    name: 'target /',
    manifest: withSpec(runJob(), volume({ source: 'data', target: '/' })),
    at: 'spec.run.volumes[].target',
    message: "must not be '/'",
    field: 'spec.run.volumes[0].target',
  },
  {
    name: "target with '..'",
    manifest: withSpec(runJob(), volume({ source: 'data', target: '/data/..' })),
    at: 'spec.run.volumes[].target',
    message: "must not contain '..'",
    field: 'spec.run.volumes[0].target',
  },
];

function ruleFor(e: Example): CelValidation {
  const matching = CEL_VALIDATIONS.filter(
    (v) =>
      v.at === e.at &&
      v.message === e.message &&
      (v.reason ?? 'FieldValueInvalid') === (e.reason ?? 'FieldValueInvalid'),
  );
  assert.equal(matching.length, 1, `${e.name}: ${matching.length} CEL rules match`);
  return matching[0] as CelValidation;
}

/** The field an API server reports for a rule: its location with list indices, then fieldPath. */
function celReportedField(v: CelValidation): RegExp {
  const escaped = `${v.at}${v.fieldPath ?? ''}`.replace(/[.[\]]/g, (c) => `\\${c}`);
  return new RegExp(`^${escaped.replace(/\\\[\\\]/g, '\\[\\d+\\]')}$`);
}

for (const e of EXAMPLES) {
  test(`validate.ts and the CRD rule agree: ${e.name}`, () => {
    const rule = ruleFor(e);
    assert.match(e.field, celReportedField(rule), 'the CEL rule reports a different field');
    const result = validateScheduledDockerJob(e.manifest);
    assert.equal(result.ok, false, 'validate.ts accepts it');
    const causes = result.ok ? [] : result.causes.map((c) => [c.field, c.reason]);
    assert.deepEqual(causes, [[e.field, rule.reason ?? 'FieldValueInvalid']]);
  });
}

test('every CEL rule has an example that validate.ts refuses in the same way', () => {
  const covered = new Set(EXAMPLES.map(ruleFor));
  const missing = CEL_VALIDATIONS.filter((v) => !covered.has(v)).map((v) => `${v.at}: ${v.rule}`);
  assert.deepEqual(missing, []);
});

test('the examples are otherwise valid: the unbroken manifests pass validate.ts', () => {
  for (const m of [runJob(), execJob()]) assert.equal(validateScheduledDockerJob(m).ok, true);
  const fine = withSpec(runJob(), (spec) => {
    spec.run.env = [
      { name: 'A', value: '1' },
      { name: 'B', valueFrom: SECRET },
      { name: 'C', valueFrom: CONFIG },
    ];
    spec.run.volumes = [
      { type: 'bind', source: '/srv/data', target: '/data' },
      { source: 'cache', target: '/var/cache/..x' },
    ];
    spec.retry = { initialBackoffSeconds: 300, maxBackoffSeconds: 300 };
    spec.schedule = 'H 3 * * *';
  });
  assert.deepEqual(
    validateScheduledDockerJob(fine).ok
      ? []
      : (validateScheduledDockerJob(fine) as { causes: unknown }).causes,
    [],
  );
});
