import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  loadManifests,
  MAX_DOCUMENTS_PER_FILE,
  MAX_MANIFEST_BYTES,
  parseManifests,
  selectJobs,
} from '../../../src/api/manifest.ts';

const JOB =
  'apiVersion: ofelia.dev/v1alpha1\nkind: ScheduledDockerJob\nmetadata: {name: a}\nspec: {schedule: "@daily"}\n';

const parseCases: Array<{
  name: string;
  text: string;
  docs: number;
  problems: Array<{ reason: string; line?: number; col?: number; message?: RegExp }>;
}> = [
  { name: 'one YAML document', text: JOB, docs: 1, problems: [] },
  { name: 'a multi-document stream', text: `${JOB}---\n${JOB}`, docs: 2, problems: [] },
  { name: 'JSON', text: '{"apiVersion": "ofelia.dev/v1alpha1", "kind": "X"}', docs: 1, problems: [] },
  {
    name: 'empty documents and comments are skipped',
    text: `---\n# nothing\n---\n${JOB}---\n`,
    docs: 1,
    problems: [],
  },
  { name: 'an empty file', text: '', docs: 0, problems: [] },
  {
    name: 'a List is unwrapped',
    text: 'apiVersion: v1\nkind: List\nitems:\n  - {kind: A}\n  - {kind: B}\n',
    docs: 2,
    problems: [],
  },
  {
    name: 'unclosed flow sequence, with line and column',
    text: 'a: 1\nb: [1, 2\n',
    docs: 0,
    problems: [{ reason: 'Malformed', line: 3, col: 1, message: /malformed YAML/ }],
  },
  {
    name: 'duplicate keys',
    text: 'a: 1\na: 2\n',
    docs: 0,
    problems: [{ reason: 'Malformed', line: 2, message: /unique/ }],
  },
  {
    name: 'bad indentation',
    text: 'spec:\n  a: 1\n b: 2\n',
    docs: 0,
    problems: [{ reason: 'Malformed', line: 3 }],
  },
  {
    name: 'a scalar document',
    text: 'just a string\n',
    docs: 0,
    problems: [{ reason: 'NotAnObject', line: 1, message: /a string, not an object/ }],
  },
  {
    name: 'a list document',
    text: '- a\n- b\n',
    docs: 0,
    problems: [{ reason: 'NotAnObject', message: /a list/ }],
  },
  {
    name: 'one bad document among good ones keeps the good ones',
    text: `${JOB}---\n[oops\n---\n${JOB}`,
    docs: 2,
    problems: [{ reason: 'Malformed' }],
  },
  {
    name: 'binary content',
    text: 'a\0b',
    docs: 0,
    problems: [{ reason: 'Malformed', message: /binary/ }],
  },
  {
    name: 'alias bombs are bounded',
    text: `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(',')}]\nc: &c [${Array(10).fill('*b').join(',')}]\nd: [${Array(10).fill('*c').join(',')}]\n`,
    docs: 0,
    problems: [{ reason: 'Malformed' }],
  },
];

for (const c of parseCases) {
  test(`parse: ${c.name}`, () => {
    const got = parseManifests(c.text, 'f.yaml');
    assert.equal(got.documents.length, c.docs, JSON.stringify(got));
    assert.equal(got.problems.length, c.problems.length, JSON.stringify(got.problems));
    c.problems.forEach((want, i) => {
      const p = got.problems[i];
      assert.ok(p);
      assert.equal(p.reason, want.reason);
      assert.equal(p.source, 'f.yaml');
      if (want.line !== undefined) assert.equal(p.line, want.line);
      if (want.col !== undefined) assert.equal(p.col, want.col);
      if (want.message) assert.match(p.message, want.message);
      assert.doesNotMatch(p.message, /\n|at .*\.ts:\d+/, 'one line, no stack');
    });
  });
}

test('parse: documents beyond the per-file limit are refused once', () => {
  const text = Array.from({ length: MAX_DOCUMENTS_PER_FILE + 5 }, () => '{a: 1}').join('\n---\n');
  const got = parseManifests(text, 'f.yaml');
  assert.equal(got.documents.length, MAX_DOCUMENTS_PER_FILE);
  assert.deepEqual(
    got.problems.map((p) => p.reason),
    ['TooManyDocuments'],
  );
});

test('selectJobs: other kinds and versions are problems, not silently skipped', () => {
  const text = `${JOB}---\napiVersion: v1\nkind: ConfigMap\n---\napiVersion: ofelia.dev/v1\nkind: ScheduledDockerJob\n---\n{}\n`;
  const got = selectJobs(parseManifests(text, 'f.yaml'));
  assert.equal(got.documents.length, 1);
  assert.deepEqual(
    got.problems.map((p) => [p.reason, p.index]),
    [
      ['WrongKind', 2],
      ['WrongKind', 3],
      ['WrongKind', 4],
    ],
  );
  assert.match(got.problems[0]?.message ?? '', /got v1 ConfigMap/);
  assert.match(got.problems[2]?.message ?? '', /got \(none\) \(none\)/);
});

const dir = mkdtempSync(join(tmpdir(), 'ofelia-manifest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('load: files, directories (manifest extensions only, sorted, not recursive) and missing paths', async () => {
  const d = join(dir, 'jobs');
  mkdirSync(join(d, 'nested'), { recursive: true });
  writeFileSync(join(d, 'b.yaml'), JOB);
  writeFileSync(join(d, 'a.yml'), JOB);
  writeFileSync(join(d, 'c.json'), '{"kind": "X"}');
  writeFileSync(join(d, 'README.md'), '# not a manifest');
  writeFileSync(join(d, '.hidden.yaml'), 'x: [');
  writeFileSync(join(d, 'nested', 'deep.yaml'), JOB);
  const single = join(dir, 'single.txt');
  writeFileSync(single, JOB);
  const got = await loadManifests([d, single, join(dir, 'missing.yaml')]);
  assert.deepEqual(
    got.documents.map((x) => x.source),
    [join(d, 'a.yml'), join(d, 'b.yaml'), join(d, 'c.json'), single],
  );
  assert.deepEqual(
    got.problems.map((p) => [p.reason, p.message]),
    [['NotFound', 'no such file or directory']],
  );
});

test('load: a file over the size limit is refused without being parsed', async () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `a: "${'x'.repeat(MAX_MANIFEST_BYTES)}"\n`);
  const got = await loadManifests([big]);
  assert.equal(got.documents.length, 0);
  assert.deepEqual(
    got.problems.map((p) => p.reason),
    ['TooLarge'],
  );
});
