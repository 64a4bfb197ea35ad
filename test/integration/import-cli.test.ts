/**
 * `ofelia-operator import ofelia` as a user runs it: the real bin script in a child process, on
 * temp files and on the real Docker daemon (`--docker`), checking exit codes (0 all translated,
 * 3 keys reported, 1 malformed input, 2 usage), the stream on stdout that `validate` accepts, the
 * report lines on stderr, -o DIR, directories and globs, and that no stack trace ever shows.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/ofelia-operator.js');
const dir = mkdtempSync(join(tmpdir(), 'ofelia-import-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    input,
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_OPTIONS: '' },
  });
  const all = `${r.stdout}${r.stderr}`;
  assert.doesNotMatch(all, /\n\s+at .+:\d+:\d+\)?\n/, `stack trace in output:\n${all}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const CLEAN = `[job-exec "clean"]
schedule = @hourly
container = app
command = touch /tmp/x
`;

test('all translated: exit 0, a YAML stream that validate accepts, nothing reported', () => {
  const path = file('clean.ini', CLEAN);
  const r = cli(['import', 'ofelia', '-f', path, '-n', 'team-a']);
  assert.equal(r.code, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map(
    (d) => d.toJS() as { kind: string; metadata: { namespace: string } },
  );
  assert.deepEqual(
    docs.map((d) => [d.kind, d.metadata.namespace]),
    [['ScheduledDockerJob', 'team-a']],
  );
  assert.match(r.stderr, /1 job\(s\), 0 JobNotifier\(s\), 0 Secret\(s\); 0 key\(s\) reported/);
  const stream = file('clean.yaml', r.stdout);
  const v = cli(['validate', '-f', stream]);
  assert.equal(v.code, 0, v.stdout);
});

test('some keys reported: exit 3, one FILE:LINE: [section] key: reason line each; Secrets without values', () => {
  const path = file(
    'mixed.ini',
    `${CLEAN}\n[global]\nsmtp-host = mail.example.com\nsmtp-password = hunter2\nemail-to = ops@example.com\nlog-level = debug\n`,
  );
  const r = cli(['import', 'ofelia', '-f', path]);
  assert.equal(r.code, 3);
  const lines = r.stderr.trim().split('\n');
  for (const want of [
    /^.*mixed\.ini:7: \[global\] smtp-host: smtp-port is not set: spec\.email\.port is 587$/,
    /^.*mixed\.ini:7: \[global\] smtp-host: email-from is not set: spec\.email\.from is ofelia@localhost/,
    /^.*mixed\.ini:8: \[global\] smtp-password: kept in Secret ofelia-mail, key password; value left out/,
    /^.*mixed\.ini:10: \[global\] log-level: an Ofelia daemon setting, not a job's: the operator's equivalent is --log-level$/,
  ])
    assert.ok(
      lines.some((l) => want.test(l)),
      `a line ${want}:\n${r.stderr}`,
    );
  assert.match(r.stderr, /1 job\(s\), 1 JobNotifier\(s\), 1 Secret\(s\); \d+ key\(s\) reported/);
  assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  const docs = parseAllDocuments(r.stdout).map(
    (d) => d.toJS() as { kind: string; spec?: { email?: unknown } },
  );
  assert.deepEqual(
    docs.map((d) => d.kind),
    ['Secret', 'JobNotifier', 'ScheduledDockerJob'],
    'in the order they are needed: what they reference first',
  );
  assert.deepEqual(docs[1]?.spec?.email, {
    host: 'mail.example.com',
    to: ['ops@example.com'],
    port: 587,
    tls: 'opportunistic',
    from: 'ofelia@localhost',
    credentialsFrom: { name: 'ofelia-mail' },
  });
  const withValues = cli(['import', 'ofelia', '-f', path, '--include-secrets']);
  assert.match(withValues.stdout, /password: hunter2/);
  const v = cli(['validate', '-f', '-'], r.stdout);
  assert.equal(v.code, 0, `validate passes over the Secret and checks the JobNotifier: ${v.stdout}`);
  assert.match(v.stdout, /1 ScheduledDockerJob\(s\) valid, 1 JobNotifier\(s\) valid/);
});

test('notifications and chains: slack, save and on-success become JobNotifiers and spec.after that validate accepts', () => {
  const path = file(
    'chain.ini',
    `[global]
slack-webhook = https://hooks.slack.com/services/T0/B0/secret-token
slack-only-on-error = true
save-folder = /var/log/ofelia

[job-exec "first"]
schedule = @hourly
container = app
command = true
on-success = second

[job-exec "second"]
schedule = @triggered
container = app
command = true
`,
  );
  const out = join(dir, 'chain-out');
  const r = cli(['import', 'ofelia', '-f', path, '-o', out]);
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), [
    '1-secret-ofelia-slack.yaml',
    '2-jobnotifier-ofelia-save.yaml',
    '2-jobnotifier-ofelia-slack.yaml',
    '3-sdj-first.yaml',
    '3-sdj-second.yaml',
  ]);
  assert.match(
    r.stderr,
    /chain\.ini:2: \[global\] slack-webhook: kept in Secret ofelia-slack, key url; value left out/,
  );
  assert.match(
    r.stderr,
    /chain\.ini:4: \[global\] save-folder: written only when the operator runs with --notify-save-dir/,
  );
  assert.doesNotMatch(r.stderr, /secret-token/);
  const v = cli(['validate', '-f', out]);
  assert.equal(v.code, 0, v.stdout);
  assert.match(v.stdout, /2 ScheduledDockerJob\(s\) valid, 2 JobNotifier\(s\) valid/);
  const second = parseAllDocuments(readFileSync(join(out, '3-sdj-second.yaml'), 'utf8'))[0]?.toJS() as {
    spec: { schedule: string; after: unknown };
  };
  assert.deepEqual(second.spec.after, [{ job: 'first', on: 'Succeeded' }]);
  assert.equal(second.spec.schedule, '@manual');
});

test('directories and globs read every file; -o DIR writes one file per object', () => {
  file('conf.d/a.ini', CLEAN);
  file('conf.d/b.ini', '[job-local "b"]\nschedule = @daily\ncommand = /bin/true\n');
  file('conf.d/c.conf', '[job-exec "c"]\nschedule = @daily\ncontainer = app\ncommand = true\n');
  const byGlob = cli(['import', 'ofelia', '-f', join(dir, 'conf.d/*.ini')]);
  assert.equal(byGlob.code, 3, byGlob.stderr);
  assert.equal(parseAllDocuments(byGlob.stdout).length, 2);
  const out = join(dir, 'out');
  const byDir = cli(['import', 'ofelia', '-f', join(dir, 'conf.d'), '-o', out]);
  assert.equal(byDir.code, 3, byDir.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['3-sdj-b.yaml', '3-sdj-c.yaml', '3-sdj-clean.yaml']);
  assert.equal(statSync(join(out, '3-sdj-b.yaml')).mode & 0o777, 0o644);
});

test('malformed input: exit 1, one line with the file and line', () => {
  const path = file('bad.ini', '[global]\n\n[job-exec "x"\nschedule = @daily\n');
  const r = cli(['import', 'ofelia', '-f', path]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /^ofelia-operator import: .*bad\.ini:3: section header \[job-exec "x" is not closed with \]\n$/,
  );
  const missing = cli(['import', 'ofelia', '-f', join(dir, 'nope.ini')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.ini: no such file or directory/);
  const noMatch = cli(['import', 'ofelia', '-f', join(dir, '*.nothing')]);
  assert.equal(noMatch.code, 1);
  assert.match(noMatch.stderr, /no file matches/);
});

test('usage errors: exit 2', () => {
  for (const args of [
    ['import'],
    ['import', 'cron', '-f', 'x'],
    ['import', 'ofelia'],
    ['import', 'ofelia', '-f', 'x', '--docker'],
    ['import', 'ofelia', '-f', 'x', '--dialect', 'other'],
    ['import', 'ofelia', '-f', 'x', '-n', 'Not_A_Namespace'],
    ['import', 'ofelia', '--bogus'],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^ofelia-operator import: /);
  }
  assert.equal(cli(['import', '--help']).code, 0);
});

test('--docker: the labels of running and stopped containers on the daemon', async () => {
  const found = await testDocker();
  const { docker } = found;
  const id = randomBytes(3).toString('hex');
  const made = [];
  try {
    for (const [name, start] of [
      [`imp-running-${id}`, true],
      [`imp-stopped-${id}`, false],
    ] as const) {
      const c = await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['sleep', '60'],
        Labels: {
          'ofelia.enabled': 'true',
          [`ofelia.job-exec.j${id}.schedule`]: '@every 1m',
          [`ofelia.job-exec.j${id}.command`]: 'date',
        },
        HostConfig: { NetworkMode: 'none' },
      });
      made.push(c);
      if (start) await c.start();
    }
    const r = cli(['import', 'ofelia', '--docker']);
    assert.ok(r.code === 0 || r.code === 3, r.stderr);
    const jobs = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as { metadata: { name: string }; spec: { exec?: { container: string } } })
      .filter((j) => j.metadata.name.endsWith(`-j${id}`));
    assert.deepEqual(jobs.map((j) => [j.metadata.name, j.spec.exec?.container]).sort(), [
      [`imp-running-${id}-j${id}`, `imp-running-${id}`],
      [`imp-stopped-${id}-j${id}`, `imp-stopped-${id}`],
    ]);
    const unreachable = cli([
      'import',
      'ofelia',
      '--docker',
      '--docker-host',
      `unix://${join(dir, 'no.sock')}`,
    ]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^ofelia-operator import: docker: /);
  } finally {
    for (const c of made) await c.remove({ force: true });
  }
});
