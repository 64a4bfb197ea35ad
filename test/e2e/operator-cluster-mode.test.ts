/**
 * Cluster mode: `ofelia-operator run --kubeconfig FILE` against a Kubernetes-compatible API server
 * in another process (`ofelia-operator apiserver`, standing in for a cluster). The operator starts
 * no API server of its own, runs a job applied with kubectl on the Docker daemon, registers no
 * embedded-server metrics, and stops with exit 0 on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { waitFor } from '../helpers/operator.ts';
import {
  type ChildHandle,
  kubectlWith,
  spawnChild,
  spawnClusterOperator,
} from '../helpers/operator-process.ts';

let tmp: string;
let apiserver: ChildHandle | undefined;
let operator: ChildHandle | undefined;
let kubectl: ReturnType<typeof kubectlWith>;

before(async () => {
  await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-cluster-mode-'));
  kubectl = kubectlWith(join(tmp, 'cluster', 'kubeconfig'), tmp);
  apiserver = spawnChild({
    args: ['apiserver', '--data-dir', join(tmp, 'cluster'), '--listen', '127.0.0.1:0'],
    home: tmp,
    lifetimeMs: 180_000,
  });
  await apiserver.waitForLog('API server ready');
});

after(async () => {
  for (const p of [operator, apiserver]) await p?.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('--kubeconfig: the operator runs jobs of the API server it is pointed at', async () => {
  operator = spawnClusterOperator({
    home: tmp,
    kubeconfig: join(tmp, 'cluster', 'kubeconfig'),
    lifetimeMs: 180_000,
  });
  const started = await operator.waitForLog('operator started');
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
  const applied = await kubectl(['apply', '-f', '-'], { stdin: manifest });
  assert.equal(applied.code, 0, applied.stderr);
  await waitFor(
    'the job to succeed',
    async () => {
      const r = await kubectl(['get', 'sdj', 'cluster-job', '-o', 'jsonpath={.status.lastRun.logTail}']);
      return r.stdout.includes('from cluster mode');
    },
    60_000,
  );

  const metrics = await (
    await fetch(`${started.http}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text();
  assert.match(metrics, /^ofelia_runs_total\{result="Succeeded",kind="run"\} [1-9]/m);
  assert.doesNotMatch(metrics, /ofelia_apiserver_/);

  await kubectl(['delete', 'sdj', 'cluster-job']);
  operator.signal('SIGTERM');
  assert.equal((await operator.waitForExit()).code, 0, operator.stderr());
  apiserver!.signal('SIGTERM');
  assert.equal((await apiserver!.waitForExit()).code, 0);
});
