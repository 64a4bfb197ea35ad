/**
 * The `apiserver` and `token` commands end to end: a real process on a free loopback port, the
 * real kubectl, HTTPS verified against the kubeconfig's CA, tokens managed from another process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { spawnChild } from '../helpers/operator-process.ts';
import { waitFor } from '../helpers/wait.ts';

const bin = new URL('../../bin/ofelia-operator.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'apiserver-cli-'));
const dataDir = join(root, 'data');
const kubeconfig = join(root, 'kube', 'config');
let server: ChildProcess;
let serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
let serverUrl: string;
let ca: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], timeout = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function kubectl(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'kube-cache'), '--request-timeout=15s', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** GET `path` over TLS verified against the kubeconfig's CA, with an optional bearer token. */
function get(path: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${serverUrl}${path}`,
      { ca, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

const eventually = (what: string, check: () => Promise<boolean> | boolean, ms = 10_000) =>
  waitFor(what, check, ms, 100);

before(async () => {
  server = spawn(
    process.execPath,
    [bin, 'apiserver', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--write-kubeconfig', kubeconfig],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  server.stderr!.on('data', (d) => {
    stderr += d;
  });
  serverExit = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  await eventually('the kubeconfig', () => existsSync(kubeconfig) || server.exitCode !== null, 60_000);
  assert.equal(server.exitCode, null, `apiserver exited early: ${stderr}`);
  const kc = parse(readFileSync(kubeconfig, 'utf8'));
  serverUrl = kc.clusters[0].cluster.server;
  ca = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
});

after(async () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

test('the kubeconfig is private, points at loopback over https, and kubectl works with it', async () => {
  assert.equal(statSync(kubeconfig).mode & 0o777, 0o600);
  assert.match(serverUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  const r = await kubectl(['get', 'sdj', '-A']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /No resources found/);
  const ns = await kubectl(['get', 'namespaces', '-o', 'name']);
  assert.equal(ns.code, 0, ns.stderr);
  assert.match(ns.stdout, /namespace\/default/);
});

test('requests without a valid token are 401', async () => {
  assert.equal(await get('/apis'), 401);
  assert.equal(await get('/apis', 'ofo_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 401);
  assert.equal(await get('/apis', 'not-a-token'), 401);
});

test('token create/list/revoke through the CLI take effect on the running server', async () => {
  const created = await cli(['token', 'create', '--data-dir', dataDir, '--name', 'ci', '--ttl', '1h']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^ofo_[0-9a-f]{16}_\S{43}$/);
  assert.match(created.stderr, /created token [0-9a-f]{16} \(name ci, expires /);
  await eventually('the new token to be accepted', async () => (await get('/apis', token)) === 200);

  const listed = await cli(['token', 'list', '--data-dir', dataDir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+NAME\s+CREATED\s+EXPIRES/);
  assert.match(listed.stdout, /\bci\b/);
  assert.match(listed.stdout, /\bkubeconfig\b/);
  assert.equal(listed.stdout.includes(token.slice(21)), false, 'list never shows a secret');

  const revoked = await cli(['token', 'revoke', '--data-dir', dataDir, 'ci']);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /^revoked [0-9a-f]{16} \(ci\)$/m);
  await eventually('the revoked token to be refused', async () => (await get('/apis', token)) === 401);

  const again = await cli(['token', 'revoke', '--data-dir', dataDir, 'ci']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'ofelia-operator token: no token with id or name "ci"\n');
});

test('token revoke as a user that does not own the token file fails loudly, and the token stays usable', {
  skip: process.geteuid?.() !== 0,
}, async () => {
  const created = await cli(['token', 'create', '--data-dir', dataDir, '--name', 'kept', '--ttl', '1h']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  await eventually('the new token to be accepted', async () => (await get('/apis', token)) === 200);
  // Another user who can reach the directory (here: made reachable on purpose).
  chmodSync(root, 0o755);
  chmodSync(dataDir, 0o777);
  chmodSync(join(dataDir, 'tokens.json'), 0o666);
  try {
    const other = spawnChild({
      args: ['token', 'revoke', '--data-dir', dataDir, 'kept'],
      home: root,
      uid: 65534,
      lifetimeMs: 30_000,
    });
    const exit = await other.waitForExit();
    assert.equal(exit.code, 1, other.stdout());
    assert.match(other.stderr(), /owned by uid 0, not by this user \(uid 65534\)/);
    assert.doesNotMatch(other.stdout(), /revoked/);
  } finally {
    chmodSync(join(dataDir, 'tokens.json'), 0o600);
    chmodSync(dataDir, 0o700);
    chmodSync(root, 0o700);
  }
  assert.equal(await get('/apis', token), 200, 'the token is still accepted, as the failure said');
});

test('SIGTERM stops the server cleanly with exit code 0 and releases the store', async () => {
  server.kill('SIGTERM');
  const exit = await serverExit;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(existsSync(join(dataDir, 'store', 'LOCK')), false);
});

test('an unusable data directory fails with one clear line and exit code 1', async () => {
  const notADir = join(root, 'plain-file');
  writeFileSync(notADir, 'x');
  const r = await cli(['apiserver', '--data-dir', notADir, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    /^ofelia-operator apiserver: cannot open the store in .*plain-file\/store: ENOTDIR/,
  );
});

test('a store held by another running server is refused with one line', async () => {
  const dir = join(root, 'shared');
  const first = spawn(process.execPath, [bin, 'apiserver', '--data-dir', dir, '--listen', '127.0.0.1:0'], {
    stdio: 'ignore',
  });
  try {
    await eventually('the first server', () => existsSync(join(dir, 'kubeconfig')), 60_000);
    const second = await cli(['apiserver', '--data-dir', dir, '--listen', '127.0.0.1:0']);
    assert.equal(second.code, 1);
    assert.match(
      second.stderr,
      new RegExp(`^ofelia-operator apiserver: cannot open the store in .*: in use by process ${first.pid} `),
    );
  } finally {
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
  }
});

const badInvocations: { args: string[]; code: number; stderr: RegExp }[] = [
  { args: ['apiserver', '--bogus'], code: 2, stderr: /^ofelia-operator apiserver: Unknown option '--bogus'/ },
  { args: ['apiserver'], code: 2, stderr: /^ofelia-operator apiserver: --data-dir is required\n$/ },
  {
    args: ['apiserver', '--data-dir', 'x', '--listen', 'nope'],
    code: 2,
    stderr: /--listen: expected HOST:PORT/,
  },
  {
    args: ['apiserver', '--data-dir', 'x', '--token-ttl', '3y'],
    code: 2,
    stderr: /--token-ttl: invalid duration/,
  },
  {
    args: ['token', 'create', '--data-dir', '/nonexistent/ofelia', '--name', 'x'],
    code: 1,
    stderr: /does not exist/,
  },
  { args: ['token', 'frobnicate', '--data-dir', 'x'], code: 2, stderr: /unknown action "frobnicate"/ },
  {
    args: ['token', 'list', '--ttl'],
    code: 2,
    stderr: /^ofelia-operator token: Option '--ttl <value>' argument missing/,
  },
];
for (const c of badInvocations) {
  test(`bad invocation: ${c.args.join(' ')}`, async () => {
    const r = await cli(c.args);
    assert.equal(r.code, c.code, r.stderr);
    assert.match(r.stderr, c.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  });
}

test('--help prints usage and exits 0', async () => {
  for (const cmd of ['apiserver', 'token']) {
    const r = await cli([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage:/);
  }
});
