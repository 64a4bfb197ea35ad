/**
 * Cluster mode: `ofelia-operator run --kubeconfig FILE` against a Kubernetes-compatible API server
 * in another process (`ofelia-operator apiserver`, standing in for a cluster). The operator starts
 * no API server of its own, runs a job applied with kubectl on the Docker daemon, registers no
 * embedded-server metrics, and stops with exit 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

const BIN = fileURLToPath(new URL('../../bin/ofelia-operator.js', import.meta.url));

interface Proc {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  exit: Promise<number | null>;
  stderr: () => string;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        if (logs.length < 50_000) logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const hardStop = setTimeout(() => child.kill('SIGKILL'), 180_000);
  hardStop.unref();
  return { child, logs, exit, stderr: () => stderr };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

let tmp: string;
let env: Record<string, string>;
let docker: Awaited<ReturnType<typeof testDocker>>;
let apiserver: Proc | undefined;
let operator: Proc | undefined;

function kubectl(
  args: string[],
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: { ...env, KUBECONFIG: join(tmp, 'cluster', 'kubeconfig') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

before(async () => {
  docker = await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-cluster-mode-'));
  env = { PATH: process.env.PATH ?? '', HOME: tmp };
  if ('skip' in docker) return;
  apiserver = start(['apiserver', '--data-dir', join(tmp, 'cluster'), '--listen', '127.0.0.1:0'], env);
  await waitFor('the API server', () => apiserver!.logs.find((l) => l.msg === 'API server ready'));
});

after(async () => {
  for (const p of [operator, apiserver]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGKILL');
      await p.exit;
    }
  }
  await rm(tmp, { recursive: true, force: true });
});

test('--kubeconfig: the operator runs jobs of the API server it is pointed at', async (t) => {
  if ('skip' in docker) return t.skip(docker.skip);
  operator = start(
    [
      'run',
      '--kubeconfig',
      join(tmp, 'cluster', 'kubeconfig'),
      '--http-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      '--namespace',
      'default',
    ],
    env,
  );
  const started = await waitFor('the operator', () =>
    operator!.logs.find((l) => l.msg === 'operator started'),
  );
  assert.equal(started.mode, 'kubeconfig');
  assert.equal(started.kubeconfig, undefined, 'no kubeconfig written in cluster mode');
  assert.ok(!operator.logs.some((l) => l.msg === 'API server listening'), 'no embedded API server');

  const manifest = JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'cluster-job', namespace: 'default' },
    spec: {
      schedule: '@every 2s',
      run: {
        image: TEST_IMAGE,
        network: 'none',
        pullPolicy: 'Never',
        command: ['echo', 'from cluster mode'],
      },
    },
  });
  const applied = await kubectl(['apply', '-f', '-'], manifest);
  assert.equal(applied.code, 0, applied.stderr);
  await waitFor('the job to succeed', async () => {
    const r = await kubectl(['get', 'sdj', 'cluster-job', '-o', 'jsonpath={.status.lastRun.logTail}']);
    return r.stdout.includes('from cluster mode');
  });

  const metrics = await (
    await fetch(`${started.http}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  assert.match(metrics, /^ofelia_runs_total\{result="Succeeded",kind="run"\} [1-9]/m);
  assert.doesNotMatch(metrics, /ofelia_apiserver_/);

  await kubectl(['delete', 'sdj', 'cluster-job']);
  operator.child.kill('SIGTERM');
  assert.equal(await operator.exit, 0, operator.stderr());
  apiserver!.child.kill('SIGTERM');
  assert.equal(await apiserver!.exit, 0);
});
