import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { notifierOpenApiSchema } from '../../../src/api/notifier-crd.ts';
import { NOTIFIER_TYPES } from '../../../src/api/notifier-schema.ts';
import { findUnknownFields } from '../../../src/api/unknown-fields.ts';
import { validateJobNotifier } from '../../../src/api/validate-notifier.ts';

interface Example {
  kind?: string;
  metadata: { name: string };
  spec: { type: string };
}

const folder = fileURLToPath(new URL('../../../examples/notifiers/', import.meta.url));
const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
const docs = files.flatMap((f) =>
  parseAllDocuments(readFileSync(folder + f, 'utf8')).map((d) => ({
    file: f,
    obj: d.toJS() as Example,
  })),
);

for (const { file, obj } of docs.filter((d) => d.obj.kind === 'JobNotifier'))
  test(`example ${file}: ${obj.metadata.name} is a valid JobNotifier with no unknown fields`, () => {
    const r = validateJobNotifier(obj);
    assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.causes));
    assert.deepEqual(findUnknownFields(obj, notifierOpenApiSchema()), []);
  });

test('there is an example per notifier type', () => {
  const types = new Set(docs.filter((d) => d.obj.kind === 'JobNotifier').map((d) => d.obj.spec.type));
  assert.deepEqual(
    [...NOTIFIER_TYPES].filter((t) => !types.has(t)),
    [],
  );
});
