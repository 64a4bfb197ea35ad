/**
 * `ofelia-operator run` as a process: --help, bad flags and variables (one line, exit 2), and
 * start-up failures (one line, exit 1, nothing left running): an unreachable Docker daemon, an
 * unusable data directory, a port already in use.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FLAGS } from '../../src/config/index.ts';
import { testDocker } from '../helpers/docker.ts';
import { runToExit } from '../helpers/operator-process.ts';

let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-startup-'));
});
after(async () => {
  await chmod(join(tmp, 'locked'), 0o700).catch(() => undefined);
  await rm(tmp, { recursive: true, force: true });
});

/** Runs `ofelia-operator ARGS` to its end (bounded: killed after 60 s). */
function run(args: string[], opts: { env?: Record<string, string>; uid?: number } = {}) {
  return runToExit({ args, home: tmp, env: opts.env, uid: opts.uid, timeoutMs: 60_000 });
}

/** Flags that keep a failing start-up away from the defaults' fixed ports. */
const freePorts = [
  '--listen',
  '127.0.0.1:0',
  '--http-listen',
  '127.0.0.1:0',
  '--dashboard-listen',
  '127.0.0.1:0',
];

test('run --help lists every flag with its variable and default', async () => {
  const r = await run(['run', '--help']);
  assert.equal(r.code, 0);
  for (const f of FLAGS) {
    assert.match(r.stdout, new RegExp(`--${f.name}\\b`));
    for (const e of f.env) assert.ok(r.stdout.includes(e), `${e} listed`);
  }
  assert.match(r.stdout, /\[env OFELIA_HTTP_LISTEN; default 127\.0\.0\.1:8080\]/);
});

const badFlags: { name: string; args: string[]; env?: Record<string, string>; line: string }[] = [
  {
    name: 'bad HOST:PORT',
    args: ['--http-listen', 'abc'],
    line: 'ofelia-operator: --http-listen: expected HOST:PORT, got "abc"',
  },
  {
    name: 'unknown flag',
    args: ['--frobnicate'],
    line: 'ofelia-operator: --frobnicate: unknown flag (see ofelia-operator run --help)',
  },
  {
    name: 'bad variable',
    args: [],
    env: { OFELIA_SHUTDOWN_GRACE: 'soon' },
    line: 'ofelia-operator: OFELIA_SHUTDOWN_GRACE: expected a duration such as 30s or 1m30s, got "soon"',
  },
  {
    name: 'two cluster modes',
    args: ['--in-cluster', '--kubeconfig', '/x'],
    line: 'ofelia-operator: --in-cluster: cannot be combined with --kubeconfig (choose one cluster mode)',
  },
];

for (const row of badFlags) {
  test(`bad configuration: ${row.name} -> one line, exit 2`, async () => {
    const r = await run(['run', ...row.args], { env: row.env });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `${row.line}\n`);
    assert.equal(r.stdout, '', 'nothing started, nothing logged');
  });
}

test('unreachable Docker daemon -> one line naming it, exit 1', async () => {
  const r = await run([
    'run',
    ...freePorts,
    '--data-dir',
    join(tmp, 'docker-down'),
    '--docker-host',
    'unix:///nonexistent.sock',
  ]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'ofelia-operator: Docker daemon "local" at unix:///nonexistent.sock is not reachable: connect ENOENT /nonexistent.sock\n',
  );
  assert.match(r.stdout, /"reason":"DockerUnreachable"/);
});

test('a second, unreachable daemon is named too', async () => {
  await testDocker();
  const r = await run([
    'run',
    ...freePorts,
    '--data-dir',
    join(tmp, 'remote-down'),
    '--docker-daemon',
    'remote=tcp://127.0.0.1:1',
  ]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^ofelia-operator: Docker daemon "remote" at tcp:\/\/127\.0\.0\.1:1 is not reachable: .*ECONNREFUSED.*\n$/,
  );
});

test('data directory that is a file -> one line, exit 1', async () => {
  const file = join(tmp, 'a-file');
  await writeFile(file, 'not a directory\n');
  const r = await run(['run', ...freePorts, '--data-dir', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ofelia-operator: data directory ${file} is not usable: it is not a directory\n`);
});

test('data directory the process may not read -> one line, exit 1', async () => {
  const locked = join(tmp, 'locked');
  await mkdir(locked, { mode: 0o700 });
  await chmod(locked, 0o000);
  // Root reads anything: run as nobody when we are root, as ourselves otherwise.
  const asNobody = process.getuid?.() === 0;
  if (asNobody) await chmod(tmp, 0o755);
  const r = await run(['run', ...freePorts, '--data-dir', locked], asNobody ? { uid: 65534 } : {});
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `ofelia-operator: data directory ${locked} is not usable: cannot read it (EACCES)\n`,
  );
});

test('--http-listen port in use -> one line, exit 1', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await run([
      'run',
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      `127.0.0.1:${port}`,
      '--dashboard-listen',
      '127.0.0.1:0',
      '--data-dir',
      join(tmp, 'port'),
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `ofelia-operator: --http-listen: cannot listen on 127.0.0.1:${port}: EADDRINUSE\n`,
    );
  } finally {
    blocker.close();
  }
});

test('--kubeconfig that does not exist -> one line, exit 1', async () => {
  const missing = join(tmp, 'no-such-kubeconfig');
  const r = await run(['run', '--http-listen', '127.0.0.1:0', '--kubeconfig', missing]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^ofelia-operator: --kubeconfig: ${missing}: .*ENOENT.*\\n$`));
});
