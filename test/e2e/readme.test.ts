/**
 * The README's user path, for real. Every shell block of README.md is marked with
 * `<!-- readme-test: NAME -->`; this test runs them as a reader would:
 *   start     `npm start` (ports and data directory moved by OFELIA_* variables, as documented)
 *   first-job, status, run-now, suspend-delete, metrics, kustomize
 *             each block in bash, in a directory where `.data` is the operator's data directory
 *             and `examples/`, `manifests/` are the repository's (the README's relative paths)
 *   ci        commands that CI runs itself: each must appear in .ci/run
 * and checks what the README promises: the job runs, `kubectl get sdj` shows its LAST RESULT with
 * the README's columns, a manual trigger runs, metrics are served, and SIGTERM stops it with exit 0.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testDocker } from '../helpers/docker.ts';
import { waitFor as pollUntil } from '../helpers/operator.ts';
import { type ChildHandle, runToExit, spawnChild } from '../helpers/operator-process.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const CI_RUN = readFileSync(join(REPO, '.ci/run'), 'utf8');

interface Block {
  name: string;
  lang: string;
  body: string;
}

/** Every fenced block, with the readme-test marker right before it ('' when none). */
function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  const re = /(?:<!-- readme-test: ([a-z-]+) -->\n)?```(\w*)\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) out.push({ name: m[1] ?? '', lang: m[2] ?? '', body: m[3] ?? '' });
  return out;
}

const ALL = blocks(README);
const KNOWN = ['ci', 'start', 'first-job', 'status', 'run-now', 'suspend-delete', 'metrics', 'kustomize'];

function block(name: string): string {
  const found = ALL.filter((b) => b.name === name);
  assert.equal(found.length, 1, `exactly one README block "${name}"`);
  return found[0]!.body;
}

let tmp: string;
let operator: ChildHandle | undefined;
let httpUrl = '';

/** A README block (or a line of it) in bash, in the reader's directory; killed after 60 s. */
function sh(script: string, env: Record<string, string> = {}) {
  return runToExit({
    command: 'bash',
    args: ['-euo', 'pipefail', '-c', script],
    cwd: tmp,
    home: tmp,
    env,
    timeoutMs: 60_000,
  });
}

/** Polls for up to a minute. */
function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  return pollUntil(what, probe, 60_000);
}

/** The environment a reader has after the first-job block's `export KUBECONFIG=.data/kubeconfig`. */
const kubeEnv = { KUBECONFIG: '.data/kubeconfig' };

async function jobField(name: string, jsonPath: string): Promise<string> {
  const r = await sh(`kubectl get sdj ${name} -o jsonpath='${jsonPath}'`, kubeEnv);
  return r.code === 0 ? r.stdout : '';
}

before(async () => {
  await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-readme-'));
  await symlink(join(REPO, 'examples'), join(tmp, 'examples'));
  await symlink(join(REPO, 'manifests'), join(tmp, 'manifests'));
});

after(async () => {
  await operator?.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('every shell block of the README is marked for this test, with a known name', () => {
  const shellBlocks = ALL.filter((b) => b.lang === 'sh' || b.lang === 'bash' || b.lang === 'shell');
  assert.ok(shellBlocks.length >= 8);
  for (const b of shellBlocks) {
    assert.ok(b.name, `unmarked shell block:\n${b.body}`);
    assert.ok(KNOWN.includes(b.name), `unknown readme-test name "${b.name}"`);
  }
  for (const b of ALL.filter((x) => x.name)) assert.equal(b.lang, 'sh', `marked block "${b.name}" is sh`);
});

test('commands in "ci" blocks are run by .ci/run', () => {
  const ciLines = CI_RUN.split('\n').map((l) => l.trim());
  for (const b of ALL.filter((x) => x.name === 'ci')) {
    for (const line of b.body.split('\n').map((l) => l.trim())) {
      if (!line || line.startsWith('#')) continue;
      const command = line.replace(/^sudo /, '');
      assert.ok(
        ciLines.some((l) => l === command || l.startsWith(`${command} `)),
        `README command "${line}" is not run by .ci/run`,
      );
    }
  }
});

test('the user path: npm start, a first job, status, run now, metrics, suspend and delete, SIGTERM', async () => {
  // ---- start: the README's command, with ports and data directory moved by variables.
  assert.equal(block('start').trim(), 'npm start');
  operator = spawnChild({
    command: 'npm',
    args: ['start'],
    cwd: REPO,
    detached: true,
    home: tmp,
    env: {
      OFELIA_DATA_DIR: join(tmp, '.data'),
      OFELIA_LISTEN: '127.0.0.1:0',
      OFELIA_HTTP_LISTEN: '127.0.0.1:0',
      OFELIA_DASHBOARD_LISTEN: '127.0.0.1:0',
      OFELIA_LOG_FORMAT: 'json',
    },
  });
  const started = await operator.waitForLog('operator started');
  httpUrl = String(started.http);

  // ---- first-job
  const first = await sh(block('first-job'));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /scheduleddockerjob\.ofelia\.dev\/health-probe created/);
  assert.match(first.stdout, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+LAST RESULT/m);

  // What the README shows `kubectl get sdj` printing, once the job has run.
  const table = await waitFor('kubectl get sdj to show LAST RESULT Succeeded', async () => {
    const r = await sh('kubectl get sdj health-probe', kubeEnv);
    return r.code === 0 && /\sSucceeded\s/.test(r.stdout) && r.stdout;
  });
  const shown = ALL.find((b) => b.lang === 'text' && b.body.startsWith('NAME'))!.body.split('\n');
  const columns = (line: string) => line.trim().split(/\s{2,}/);
  const [actualHeader, actualRow] = table.trim().split('\n');
  assert.deepEqual(columns(actualHeader!), columns(shown[0]!), 'the README shows the real columns');
  assert.equal(columns(actualRow!)[0], 'health-probe');
  assert.equal(columns(actualRow!)[columns(actualHeader!).indexOf('LAST RESULT')], 'Succeeded');

  // ---- status
  const status = await sh(block('status'), kubeEnv);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Last Result:\s+Succeeded/);
  assert.match(status.stdout, /^Succeeded\nprobe ok\n/m);

  // ---- run-now: a @manual job runs once when triggered.
  const runNow = await sh(block('run-now'), kubeEnv);
  assert.equal(runNow.code, 0, runNow.stderr);
  assert.match(runNow.stdout, /scheduleddockerjob\.ofelia\.dev\/manual-cleanup annotated/);
  await waitFor(
    'the manual run to succeed',
    async () => (await jobField('manual-cleanup', '{.status.lastResult}')) === 'Succeeded',
  );
  assert.match(await jobField('manual-cleanup', '{.status.lastRun.logTail}'), /cleaning up/);
  assert.equal(await jobField('manual-cleanup', '{.status.lastRun.trigger}'), 'Manual');

  // ---- metrics: the README's address is the default one; this operator listens elsewhere.
  const metricsBlock = block('metrics');
  assert.match(metricsBlock, /http:\/\/127\.0\.0\.1:8080\//);
  const metrics = await sh(metricsBlock.replaceAll('http://127.0.0.1:8080', httpUrl), kubeEnv);
  assert.equal(metrics.code, 0, metrics.stderr);
  assert.match(metrics.stdout, /^ofelia_runs_total\{result="Succeeded",kind="run"\} \d+$/m);
  assert.match(metrics.stdout, /^\[\+\]docker-local ok$/m);
  assert.match(metrics.stdout, /^readyz check passed$/m);

  // ---- suspend and delete
  const gone = await sh(block('suspend-delete'), kubeEnv);
  assert.equal(gone.code, 0, gone.stderr);
  assert.match(gone.stdout, /health-probe patched/);
  assert.match(gone.stdout, /"health-probe" deleted/);
  assert.match(gone.stdout, /"manual-cleanup" deleted/);
  const left = await sh('kubectl get sdj -o name', kubeEnv);
  assert.equal(left.stdout.trim(), '');

  // ---- kustomize (offline render)
  const kustomize = await sh(block('kustomize'));
  assert.equal(kustomize.code, 0, kustomize.stderr);
  assert.match(kustomize.stdout, /^kind: DaemonSet$/m);

  // ---- SIGTERM to the operator (as a service manager sends it): npm start ends with its exit code 0.
  const operatorPid = Number(started.pid);
  assert.ok(operatorPid > 0 && operatorPid !== operator.pid, "the operator is npm start's child");
  process.kill(operatorPid, 'SIGTERM');
  assert.equal((await operator.waitForExit()).code, 0);
  assert.ok(operator.logs.some((l) => l.msg === 'operator stopped'));
});
