import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ofelia-run-once-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, 'run-once', ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function manifest(name: string, run: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `apiVersion: ofelia.dev/v1alpha1
kind: ScheduledDockerJob
metadata: { name: ${name} }
spec:
  schedule: "@manual"
  run:
    image: ${TEST_IMAGE}
    pullPolicy: Never
    network: none
${run}
${extra}`,
  );
  return file;
}

test('run-once: success streams output to stdout/stderr, prints a summary, exits 0', async () => {
  await testDocker();
  const file = manifest(
    'hello',
    `    args: ["sh", "-c", "echo hello $WHO; echo warn >&2"]
    env: [{ name: WHO, valueFrom: { secretKeyRef: { name: who, key: name } } }]`,
    `---
apiVersion: v1
kind: Secret
metadata: { name: who }
data: { name: ${Buffer.from('world').toString('base64')} }`,
  );
  const r = await cli(['-f', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^hello world\n/);
  assert.match(r.stdout, /run hello-\d+: Succeeded \(exit code 0\)/);
  assert.match(r.stderr, /warn/);
});

test('run-once -o json: the run record on stdout; a failing run exits 1', async () => {
  await testDocker();
  const r = await cli(['-f', manifest('fails', '    args: ["sh", "-c", "echo nope; exit 4"]'), '-o', 'json']);
  assert.equal(r.code, 1);
  const rec = JSON.parse(r.stdout);
  assert.equal(rec.result, 'Failed');
  assert.equal(rec.exitCode, 4);
  assert.equal(rec.logTail, 'nope\n');
  assert.match(r.stderr, /nope/, 'container output goes to stderr in JSON mode');
});

test('run-once: a policy denial exits 1; --allow-bind lets the bind through', async () => {
  await testDocker();
  const file = manifest(
    'binds',
    `    args: ["ls", "/m"]\n    volumes: [{ type: bind, source: ${dir}, target: /m, readOnly: true }]`,
  );
  const denied = await cli(['-f', file, '-o', 'json']);
  assert.equal(denied.code, 1);
  assert.equal(JSON.parse(denied.stdout).result, 'PolicyDenied');
  const allowed = await cli(['-f', file, '--allow-bind', dir]);
  assert.equal(allowed.code, 0, allowed.stderr + allowed.stdout);
  assert.match(allowed.stdout, /binds\.yaml/);
});

test('run-once: --policy restricted applies the same rules as run', async () => {
  await testDocker();
  const file = manifest('restricted', '    args: ["id", "-u"]');
  const denied = await cli(['-f', file, '-o', 'json', '--policy', 'restricted']);
  assert.equal(denied.code, 1);
  const rec = JSON.parse(denied.stdout);
  assert.equal(rec.result, 'PolicyDenied');
  assert.match(rec.message, /^spec\.run\.securityContext\.readOnlyRootFilesystem: /);
  const hardened = manifest(
    'hardened',
    `    args: ["id", "-u"]
    user: "1000"
    securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }`,
  );
  const ok = await cli(['-f', hardened, '--policy', 'restricted']);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /^1000\n/);
});

const usageCases = [
  { name: 'unknown flag', args: ['--bogus'], err: /--bogus/ },
  { name: 'missing -f', args: [], err: /-f\/--file is required/ },
  { name: 'bad -o', args: ['-f', 'x.yaml', '-o', 'yaml'], err: /-o\/--output/ },
  { name: 'relative --allow-bind', args: ['-f', 'x.yaml', '--allow-bind', 'data'], err: /--allow-bind/ },
  {
    name: 'unknown --policy level',
    args: ['-f', 'x.yaml', '--policy', 'strict'],
    err: /--policy: expected one of privileged, baseline, restricted, got "strict"/,
  },
  { name: 'missing file', args: ['-f', '/nonexistent/job.yaml'], err: /no such file/ },
];
for (const c of usageCases) {
  test(`run-once: ${c.name} exits 2 with one clear line`, async () => {
    const r = await cli(c.args);
    assert.equal(r.code, 2);
    assert.match(r.stderr, c.err);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
}

test('run-once: an invalid job exits 2 naming the field', async () => {
  const file = join(dir, 'invalid.yaml');
  writeFileSync(
    file,
    'apiVersion: ofelia.dev/v1alpha1\nkind: ScheduledDockerJob\nmetadata: { name: bad }\nspec:\n  schedule: "not a schedule"\n  run: { image: x }\n',
  );
  const r = await cli(['-f', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /spec\.schedule/);
});

test('run-once --help exits 0', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: ofelia-operator run-once/);
});
