/**
 * Output of a run another replica ran, in cluster mode as deployed: an API server process standing
 * in for the cluster and two operator replicas (`run --kubeconfig`), each with its own node name,
 * output store and dashboard, spread through member Leases. As with host networking, every replica
 * serves its dashboard on the same port of its own address (127.0.0.1 and 127.0.0.2, both loopback)
 * and `--dashboard-peer-url http://{node}:PORT` names them. A job placed on the second replica
 * runs there; the first replica's dashboard — the only URL the user has — follows its output live
 * (`kubectl sdj logs -f`) and reads it afterwards (bearer token), relaying it from the second with
 * the user's own token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';
import { waitFor } from '../helpers/operator.ts';
import { type ChildHandle, kubectlWith, spawnChild } from '../helpers/operator-process.ts';

const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kubectl-sdj');
let tmp: string;
let apiserver: ChildHandle | undefined;
const replicas: ChildHandle[] = [];
let kubectl: ReturnType<typeof kubectlWith>;
let port = 0;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port: p } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return p;
}

before(async () => {
  await testDocker();
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-cluster-output-'));
  kubectl = kubectlWith(join(tmp, 'cluster', 'kubeconfig'), tmp);
  apiserver = spawnChild({
    args: ['apiserver', '--data-dir', join(tmp, 'cluster'), '--listen', '127.0.0.1:0'],
    home: tmp,
    lifetimeMs: 240_000,
  });
  await apiserver.waitForLog('API server ready');
  port = await freePort();
  for (const i of [1, 2]) {
    replicas.push(
      spawnChild({
        args: [
          'run',
          '--kubeconfig',
          join(tmp, 'cluster', 'kubeconfig'),
          '--http-listen',
          '127.0.0.1:0',
          '--dashboard-listen',
          `127.0.0.${i}:${port}`,
          '--dashboard-peer-url',
          `http://{node}:${port}`,
          '--output-dir',
          join(tmp, `output-${i}`),
          '--log-format',
          'json',
          '--namespace',
          'default',
          '--leader-elect-namespace',
          'default',
          '--node-name',
          `127.0.0.${i}`,
          '--member-lease-duration',
          '12s',
          '--shutdown-grace',
          '5s',
          // Debug: the relay's own log line, and every request line, are checked for the token.
          '--log-level',
          'debug',
        ],
        home: tmp,
        lifetimeMs: 240_000,
      }),
    );
  }
  for (const r of replicas) await r.waitForLog('operator started', { timeoutMs: 90_000 });
});

after(async () => {
  await kubectl?.(['delete', 'sdj', '--all', '--wait=true', '--timeout=30s']).catch(() => undefined);
  for (const r of replicas) {
    r.signal('SIGTERM');
    await r.waitForExit(60_000).catch(() => r.stop());
  }
  await apiserver?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('replica 1 follows and serves the output of a run replica 2 ran, with the user token', async () => {
  const manifest = JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name: 'on-two', namespace: 'default' },
    spec: {
      schedule: '@manual',
      placement: { nodeName: '127.0.0.2' },
      run: {
        image: TEST_IMAGE,
        network: 'none',
        pullPolicy: 'Never',
        command: ['sh', '-c', 'echo started-on-two; sleep 3; echo finished-on-two'],
      },
    },
  });
  const applied = await kubectl(['apply', '-f', '-'], { stdin: manifest });
  assert.equal(applied.code, 0, applied.stderr);
  // Replica 1 counts both replicas as live members (member Leases) before the run.
  const started1 = replicas[0]!.logs.find((l) => l.msg === 'operator started')!;
  await waitFor(
    'replica 1 to see two live members',
    async () => /^ofelia_cluster_members 2$/m.test(await (await fetch(`${started1.http}/metrics`)).text()),
    60_000,
  );
  const annotated = await kubectl([
    'annotate',
    'sdj',
    'on-two',
    '--overwrite',
    `ofelia.dev/run-now=${new Date().toISOString()}`,
  ]);
  assert.equal(annotated.code, 0, annotated.stderr);
  const run = await waitFor(
    'the run to be active on 127.0.0.2',
    async () => {
      const r = await kubectl([
        'get',
        'sdj',
        'on-two',
        '-o',
        'jsonpath={.status.active[0].name} {.status.active[0].node}',
      ]);
      const [name, node] = r.stdout.trim().split(' ');
      return name && node === '127.0.0.2' ? name : undefined;
    },
    60_000,
    100,
  );

  // Followed live through replica 1 (the plugin knows only its URL).
  const dashboard1 = `http://127.0.0.1:${port}`;
  const followed = spawnChild({
    command: process.execPath,
    args: [PLUGIN, 'logs', 'on-two', '--run', run, '-f'],
    home: tmp,
    env: { KUBECONFIG: join(tmp, 'cluster', 'kubeconfig'), OFELIA_DASHBOARD_URL: dashboard1 },
    lifetimeMs: 60_000,
  });
  const exit = await followed.waitForExit(60_000);
  assert.equal(exit.code, 0, followed.stderr());
  assert.match(followed.stdout(), /started-on-two\n(.*\n)*finished-on-two\n$/);

  // Read afterwards through replica 1 with the bearer token; replica 1 keeps none of it itself.
  const token = (
    await kubectl(['config', 'view', '--raw', '-o', 'jsonpath={.users[0].user.token}'])
  ).stdout.trim();
  const r = await fetch(`${dashboard1}/api/jobs/default/on-two/runs/${run}/output`, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.match(text, / O started-on-two\n/);
  assert.match(text, / O finished-on-two\n$/);
  const relayed = await waitFor('replica 1 to have logged its relay', () =>
    replicas[0]!.logs.find((l) => l.msg === 'dashboard output relayed from peer'),
  );
  assert.equal(relayed.node, '127.0.0.2');
  for (const r of replicas)
    assert.equal(
      r.logs.some((l) => JSON.stringify(l).includes(token)),
      false,
      'no token in any log line',
    );
});
