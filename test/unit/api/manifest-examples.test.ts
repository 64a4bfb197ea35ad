import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadManifests, selectJobs } from '../../../src/api/manifest.ts';
import { findUnknownFields } from '../../../src/api/unknown-fields.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));

test('there are examples for the main uses', () => {
  assert.ok(files.length >= 5, files.join(', '));
});

for (const file of files) {
  test(`example ${file} is a valid ScheduledDockerJob with no unknown fields`, async () => {
    const loaded = selectJobs(await loadManifests([examples + file]));
    assert.deepEqual(loaded.problems, []);
    assert.ok(loaded.documents.length >= 1);
    for (const doc of loaded.documents) {
      const result = validateScheduledDockerJob(doc.object);
      assert.equal(result.ok, true, result.ok ? '' : JSON.stringify(result.causes));
      assert.deepEqual(findUnknownFields(doc.object), []);
    }
  });
}

test('the examples cover run, exec, seconds, H with a zone and jitter, and @manual', async () => {
  const loaded = selectJobs(await loadManifests([examples]));
  const specs = loaded.documents.map((d) => d.object.spec as Record<string, unknown>);
  assert.ok(specs.some((s) => s.run && s.retry && s.activeDeadlineSeconds));
  assert.ok(specs.some((s) => s.exec));
  assert.ok(specs.some((s) => s.schedule === '*/10 * * * * *' && s.concurrencyPolicy === 'Forbid'));
  assert.ok(specs.some((s) => String(s.schedule).startsWith('H ') && s.timeZone && s.jitterSeconds));
  assert.ok(specs.some((s) => s.schedule === '@manual'));
});
