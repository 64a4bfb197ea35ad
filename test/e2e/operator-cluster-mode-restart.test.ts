/**
 * Cluster mode across API server restarts: `ofelia-operator run --kubeconfig FILE` against
 * `ofelia-operator apiserver`, which is killed with SIGKILL and started again on the same data
 * directory (on a new port: the kubeconfig is rewritten, its still-valid token kept). The operator
 * must keep running jobs through the outage and write their status again once the server is back
 * — no 401 lock-out, no stale URL. Real processes, the real Docker daemon, the real kubectl.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { waitFor } from '../helpers/operator.ts';
import {
  type ChildHandle,
  kubectlWith,
  spawnChild,
  spawnClusterOperator,
} from '../helpers/operator-process.ts';

let tmp: string;
const children: ChildHandle[] = [];
let kubectl: ReturnType<typeof kubectlWith>;

function startApiServer(dataDir: string): ChildHandle {
  const child = spawnChild({
    args: ['apiserver', '--data-dir', dataDir, '--listen', '127.0.0.1:0'],
    home: tmp,
    lifetimeMs: 240_000,
  });
  children.push(child);
  return child;
}

function kubeconfigOf(file: string): { server: string; token: string } {
  const doc = parse(readFileSync(file, 'utf8'));
  return { server: doc.clusters[0].cluster.server, token: doc.users[0].user.token };
}

async function succeeded(name: string): Promise<number> {
  const r = await kubectl(['get', 'sdj', name, '-o', 'jsonpath={.status.counters.succeeded}']);
  return r.code === 0 ? Number(r.stdout || '0') : -1;
}

before(async () => {
  await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-cluster-restart-'));
  kubectl = kubectlWith(join(tmp, 'cluster', 'kubeconfig'), tmp);
});

after(async () => {
  for (const c of children.reverse()) await c.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('the operator keeps running jobs and writing status after the API server is killed and restarted', async () => {
  const dataDir = join(tmp, 'cluster');
  const kubeconfig = join(dataDir, 'kubeconfig');
  const first = startApiServer(dataDir);
  await first.waitForLog('API server ready');
  const before = kubeconfigOf(kubeconfig);

  const operator = spawnClusterOperator({ home: tmp, kubeconfig, lifetimeMs: 240_000 });
  children.push(operator);
  await operator.waitForLog('operator started');
  const manifest = JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'through-restarts', namespace: 'default' },
    spec: {
      schedule: '@every 2s',
      run: { image: TEST_IMAGE, network: 'none', pullPolicy: 'Never', command: ['echo', 'tick'] },
    },
  });
  const applied = await kubectl(['apply', '-f', '-'], { stdin: manifest });
  assert.equal(applied.code, 0, applied.stderr);
  await waitFor('a first run in status', async () => (await succeeded('through-restarts')) >= 1, 60_000);

  first.signal('SIGKILL');
  await first.waitForExit();
  // Runs go on while the API server is away: the operator fires from its own schedule.
  const runsBefore = operator.logs.filter((l) => l.msg === 'run finished').length;
  await waitFor(
    'runs to finish while the API server is down',
    async () => operator.logs.filter((l) => l.msg === 'run finished').length >= runsBefore + 1,
    30_000,
  );

  const second = startApiServer(dataDir);
  await second.waitForLog('API server ready');
  const after = kubeconfigOf(kubeconfig);
  assert.equal(after.token, before.token, 'the still-valid kubeconfig token is kept across the restart');
  assert.notEqual(after.server, before.server, 'port 0: the restarted server listens elsewhere');

  const countAtRestart = await succeeded('through-restarts');
  await waitFor(
    'status written by the operator after the restart',
    async () => (await succeeded('through-restarts')) >= countAtRestart + 2,
    60_000,
  );

  await kubectl(['delete', 'sdj', 'through-restarts']);
  operator.signal('SIGTERM');
  assert.equal((await operator.waitForExit()).code, 0, operator.stderr());
  second.signal('SIGTERM');
  assert.equal((await second.waitForExit()).code, 0);
});
