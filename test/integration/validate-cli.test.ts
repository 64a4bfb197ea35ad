/**
 * `ofelia-operator validate` and `crd` as a user runs them: the real bin script in a child
 * process, on temp files, checking exit codes and output (and that no stack trace ever shows).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/ofelia-operator.js');
const dir = mkdtempSync(join(tmpdir(), 'ofelia-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const all = `${r.stdout}${r.stderr}`;
  assert.doesNotMatch(all, /\n\s+at .+:\d+:\d+\)?\n/, `stack trace in output:\n${all}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: good
spec:
  schedule: "*/5 * * * *"
  run:
    image: local/busybox:test
`;

test('a valid file: exit 0 and a count', () => {
  const r = cli(['validate', '-f', file('good.yaml', GOOD)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '1 ScheduledDockerJob(s) valid\n');
});

test('the examples directory and a file given twice with --file', () => {
  const good = file('good2.yaml', GOOD);
  const r = cli(['validate', '-f', 'examples', '--file', good]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^8 ScheduledDockerJob\(s\) valid\n$/);
});

test('invalid jobs: exit 1, one `file: name: field: message` line per problem, unknown fields included', () => {
  const path = file(
    'bad.yaml',
    `${GOOD}---
apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata:
  name: bad
spec:
  schedule: "0 0 30 2 *"
  concurrencyPolicy: Sometimes
  bogus: 1
  run:
    image: local/busybox:test
    resources: {memory: 512m}
`,
  );
  const r = cli(['validate', '-f', path]);
  assert.equal(r.code, 1);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, -1).sort(), [
    `${path}: bad: spec.bogus: unknown field`,
    `${path}: bad: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`,
    `${path}: bad: spec.run.resources.memory: Invalid value: "512m": must be a whole number of bytes (use Ki, Mi, Gi or k, M, G; "m" means milli)`,
    `${path}: bad: spec.schedule: Invalid value: "0 0 30 2 *": "0 0 30 2 *" never fires (no such date in any year)`,
  ]);
  assert.equal(lines.at(-1), '1 of 2 ScheduledDockerJob(s) invalid');
});

test('-o json gives a machine-readable report', () => {
  const path = file('bad-json.yaml', GOOD.replace('name: good', 'name: Bad_Name'));
  const r = cli(['validate', '-f', path, '-o', 'json']);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.equal(report.valid, false);
  assert.equal(report.jobs.length, 1);
  assert.deepEqual(
    report.jobs[0].causes.map((c: { field: string; reason: string }) => [c.field, c.reason]),
    [['metadata.name', 'FieldValueInvalid']],
  );
});

test('malformed YAML: exit 1 with the line and column', () => {
  const path = file('malformed.yaml', 'apiVersion: ofelia.dev/v1alpha1\nspec:\n  schedule: [oops\n');
  const r = cli(['validate', '-f', path]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, new RegExp(`^${path}: document 1, line \\d+, col \\d+: malformed YAML: `, 'm'));
});

test('JobNotifiers (next to jobs in the output of import ofelia) are checked too: field paths, unknown fields', () => {
  const notifier = (name: string, spec: string) =>
    `---\napiVersion: ofelia.dev/v1alpha1\nkind: JobNotifier\nmetadata: {name: ${name}, namespace: default}\nspec: ${spec}\n`;
  const good = file(
    'notifier.yaml',
    `${GOOD}${notifier('team', '{type: slack, addressFrom: {secretKeyRef: {name: s, key: url}}}')}`,
  );
  const ok = cli(['validate', '-f', good]);
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(ok.stdout, '1 ScheduledDockerJob(s) valid, 1 JobNotifier(s) valid\n');
  const bad = file(
    'notifier-bad.yaml',
    `${notifier('wrong', '{type: slack, address: not-a-url}')}${notifier('extra', '{type: save, save: {folder: /x}, bogus: 1}')}`,
  );
  const r = cli(['validate', '-f', bad]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /notifier-bad\.yaml: wrong: spec\.address: /);
  assert.match(r.stdout, /notifier-bad\.yaml: extra: spec\.bogus: unknown field/);
  assert.match(r.stdout, /0 of 0 ScheduledDockerJob\(s\) invalid, 2 of 2 JobNotifier\(s\) invalid\n$/);
});

test('a wrong kind is an error, not a silent pass', () => {
  const path = file('deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
  const r = cli(['validate', '-f', path]);
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /wrong kind: expected apiVersion ofelia\.dev\/v1alpha1 kind ScheduledDockerJob, got apps\/v1 Deployment/,
  );
});

test('a huge file is refused by size', () => {
  const path = file('huge.yaml', `${GOOD}  # ${'x'.repeat(2 * 1024 * 1024)}\n`);
  const r = cli(['validate', '-f', path]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /larger than 1048576 bytes/);
});

test('an empty file has no job: exit 1', () => {
  const r = cli(['validate', '-f', file('empty.yaml', '# nothing here\n')]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'no ScheduledDockerJob found\n');
});

test('a missing file: exit 1', () => {
  const r = cli(['validate', '-f', join(dir, 'nope.yaml')]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /nope\.yaml: no such file or directory/);
});

test('stdin with -f -', () => {
  const r = cli(['validate', '-f', '-'], GOOD);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, '1 ScheduledDockerJob(s) valid\n');
});

const usageCases: Array<{ args: string[]; want: RegExp }> = [
  { args: ['validate'], want: /-f\/--file is required/ },
  { args: ['validate', '--bogus'], want: /Unknown option '--bogus'/ },
  { args: ['validate', '-f'], want: /argument missing/ },
  { args: ['validate', '-f', 'x.yaml', '-o', 'yaml'], want: /--output must be text or json/ },
  { args: ['validate', 'x.yaml'], want: /Unexpected argument 'x.yaml'/ },
  { args: ['crd', '-o', 'toml'], want: /--output must be yaml or json/ },
];

for (const c of usageCases) {
  test(`usage error: ${c.args.join(' ')} exits 2 with one line`, () => {
    const r = cli(c.args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, c.want);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  });
}

test('--help on both commands', () => {
  for (const cmd of ['validate', 'crd']) {
    const r = cli([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`^Usage: ofelia-operator ${cmd}`));
  }
});

test('crd prints the committed CRD; -o json the same object', () => {
  const yaml = cli(['crd']);
  assert.equal(yaml.code, 0);
  const committed = spawnSync('cat', ['crds/ofelia.dev_scheduleddockerjobs.yaml'], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(yaml.stdout, committed.stdout);
  const json = cli(['crd', '-o', 'json']);
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), parse(yaml.stdout));
});
