import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CRD_PATH, DOCS_PATH, renderApiDocs } from '../../../hack/gen-crd.ts';
import { buildCrd, renderCrdYaml } from '../../../src/api/crd.ts';

const root = new URL('../../../', import.meta.url);
const stale = 'is out of date: run `node --import tsx hack/gen-crd.ts` and commit the result';

test(`${CRD_PATH} is what buildCrd() generates`, () => {
  const committed = readFileSync(new URL(CRD_PATH, root), 'utf8');
  assert.equal(committed, renderCrdYaml(), `${CRD_PATH} ${stale}`);
  assert.deepEqual(parse(committed), buildCrd());
});

test(`${DOCS_PATH} is what the schema generates`, () => {
  assert.equal(readFileSync(new URL(DOCS_PATH, root), 'utf8'), renderApiDocs(), `${DOCS_PATH} ${stale}`);
});

test('docs/api.md documents every spec field, the manual trigger and run identity', () => {
  const docs = renderApiDocs();
  for (const field of [
    'schedule',
    'timeZone',
    'jitterSeconds',
    'concurrencyPolicy',
    'stopSignal',
    'imagePullSecrets',
  ]) {
    assert.ok(docs.includes(`| \`${field}\` |`), `no row for ${field}`);
  }
  assert.ok(docs.includes('kubectl annotate sdj NAME ofelia.dev/run-now="$(date +%s)" --overwrite'));
  assert.ok(docs.includes('## Run identity'));
  assert.ok(docs.includes('### `status`'));
  assert.ok(docs.includes('`"Forbid"`'), 'defaults are shown');
});
