/**
 * `kubectl sdj` as users run it: the real kubectl finds bin/kubectl-sdj on PATH and runs it with
 * the kubeconfig the embedded operator wrote; output comes through the operator's output API.
 * `run --wait` returns the run's exit code; `logs -f` follows a running run's output to its end
 * (and exits by itself); `next -A` lists the next runs of every namespace in time order;
 * `history`, `suspend`/`resume`, and the errors of a wrong command line.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubectlResult } from '../helpers/apiserver.ts';
import { type DashboardEnv, jobYaml, startDashboardEnv } from '../helpers/dashboard-env.ts';
import { testDocker } from '../helpers/docker.ts';
import { waitFor } from '../helpers/operator.ts';
import { runToExit, spawnChild } from '../helpers/operator-process.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');

let docker: Awaited<ReturnType<typeof testDocker>>;
let env: DashboardEnv | undefined;

before(async () => {
  docker = await testDocker();
  env = await startDashboardEnv(docker.docker);
});

after(async () => {
  await env?.close();
});

function pluginEnv(): Record<string, string> {
  return {
    PATH: `${BIN}:${process.env.PATH}`,
    KUBECONFIG: env!.op.kubeconfig,
    OFELIA_DASHBOARD_URL: env!.dashboardUrl,
  };
}

function sdj(args: string[], timeoutMs = 90_000): Promise<KubectlResult> {
  return runToExit({
    command: 'kubectl',
    args: ['sdj', ...args],
    home: env!.tmp,
    env: pluginEnv(),
    timeoutMs,
  });
}

async function apply(manifest: string): Promise<void> {
  const r = await env!.kubectl(['apply', '-f', '-'], manifest);
  assert.equal(r.code, 0, r.stderr);
}

async function jobStatus(name: string, ns = 'default'): Promise<Record<string, unknown>> {
  const r = await env!.kubectl(['get', 'sdj', name, '-n', ns, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout).status ?? {}) as Record<string, unknown>;
}

test('run --wait returns the exit code of the run; history shows it with the node', async () => {
  await apply(jobYaml('exits-seven', '@manual', 'echo about to fail; exit 7'));
  await apply(jobYaml('exits-zero', '@manual', 'echo fine'));
  const failed = await sdj(['run', 'exits-seven', '--wait']);
  assert.equal(failed.code, 7, failed.stderr);
  assert.match(failed.stdout, /run exits-seven-\d+: Failed \(exit code 7\) in \d+s on e2e-node/);
  const ok = await sdj(['run', 'exits-zero', '--wait']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Succeeded \(exit code 0\)/);

  const history = await sdj(['history', 'exits-seven']);
  assert.equal(history.code, 0, history.stderr);
  const lines = history.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^#\s+RUN\s+TRIGGER\s+RESULT\s+EXIT\s+STARTED\s+DURATION\s+NODE$/);
  assert.match(lines[1]!, /^1\s+exits-seven-\d+\s+Manual\s+Failed\s+7\s+\S+\s+\d+s\s+e2e-node$/);

  const logs = await sdj(['logs', 'exits-seven']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, 'about to fail\n');
  const previous = await sdj(['logs', 'exits-seven', '--previous']);
  assert.equal(previous.code, 1);
  assert.equal(previous.stderr, 'error: default/exits-seven has no previous run\n');
});

test('logs -f follows a running run to its end and exits by itself', async () => {
  await apply(
    jobYaml(
      'counter',
      '@manual',
      'for i in $(seq 1 25); do echo count-$i; sleep 0.3; done; echo counted >&2',
    ),
  );
  const triggered = await sdj(['run', 'counter']);
  assert.equal(triggered.code, 0, triggered.stderr);
  await waitFor(
    'the run to be active',
    async () => ((await jobStatus('counter')).active as unknown[] | undefined)?.length,
    60_000,
  );
  const follower = spawnChild({
    command: 'kubectl',
    args: ['sdj', 'logs', 'counter', '-f', '--timestamps'],
    home: env!.tmp,
    env: pluginEnv(),
    lifetimeMs: 90_000,
  });
  const exit = await follower.waitForExit(90_000);
  assert.equal(exit.code, 0, follower.stderr());
  const lines = follower.stdout().trimEnd().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(/^\S+ /, '')),
    [...Array.from({ length: 25 }, (_, i) => `count-${i + 1}`), 'counted'],
  );
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /);
  // The lines came over time (a follower saw them as they were produced), not all at once.
  const first = Date.parse(lines[0]!.split(' ')[0]!);
  const last = Date.parse(lines.at(-1)!.split(' ')[0]!);
  assert.ok(last - first >= 5000, `lines stamped over ${last - first} ms`);
  const st = await jobStatus('counter');
  assert.equal(st.lastResult, 'Succeeded');
});

test('next -A lists the next runs of all namespaces in time order; suspend and resume', async () => {
  const ns = await env!.kubectl(['create', 'namespace', 'team-b']);
  assert.equal(ns.code, 0, ns.stderr);
  await apply(jobYaml('yearly', '0 0 1 1 *', 'true'));
  await apply(
    jobYaml('hourly', '0 * * * *', 'true').replace('"namespace":"default"', '"namespace":"team-b"'),
  );
  await apply(jobYaml('daily', '15 3 * * *', 'true'));
  await apply(jobYaml('paused', '* * * * *', 'true', { suspend: true }));
  for (const [name, namespace] of [
    ['yearly', 'default'],
    ['hourly', 'team-b'],
    ['daily', 'default'],
  ] as const) {
    await waitFor(
      `${name} to have a next run`,
      async () => (await jobStatus(name, namespace)).nextScheduleTime,
      30_000,
    );
  }
  const r = await sdj(['next', '-A']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n');
  assert.match(rows[0]!, /^NAMESPACE\s+NAME\s+NEXT\s+IN\s+SCHEDULE$/);
  const body = rows.slice(1).map((l) => l.split(/\s+/));
  const timed = body.filter((c) => c[2] !== '<none>');
  const times = timed.map((c) => Date.parse(c[2]!));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'in time order',
  );
  const names = body.map((c) => c[1]);
  assert.ok(names.indexOf('hourly') < names.indexOf('yearly'));
  assert.ok(names.includes('hourly') && body.find((c) => c[1] === 'hourly')![0] === 'team-b');
  assert.deepEqual(body.at(-1)!.slice(0, 4), ['default', 'paused', '<none>', 'suspended']);
  // Without -A: the kubeconfig's namespace only.
  const own = await sdj(['next']);
  assert.doesNotMatch(own.stdout, /hourly/);
  assert.match(own.stdout, /^NAME\s+NEXT/);

  const s = await sdj(['suspend', 'daily']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, 'scheduleddockerjob.ofelia.dev/daily suspended\n');
  const got = await env!.kubectl(['get', 'sdj', 'daily', '-o', 'jsonpath={.spec.suspend}']);
  assert.equal(got.stdout, 'true');
  assert.equal((await sdj(['resume', 'daily'])).code, 0);
  assert.equal(
    (await env!.kubectl(['get', 'sdj', 'daily', '-o', 'jsonpath={.spec.suspend}'])).stdout,
    'false',
  );
});

test('a wrong command line is one error line, exit 2', async () => {
  for (const [args, line] of [
    [
      ['frobnicate'],
      'error: unknown command "frobnicate" (one of run, logs, history, next, suspend, resume)',
    ],
    [['logs'], 'error: logs: the job NAME is required'],
    [['logs', 'x', '--run', '2', '--previous'], 'error: --run and --previous: choose one'],
    [
      ['run', 'x', '--timeout', 'soon'],
      'error: --timeout: expected a duration such as 90s, 10m or 1h, got "soon"',
    ],
  ] as const) {
    const r = await sdj([...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr, `${line}\n`);
  }
  const missing = await sdj(['history', 'no-such-job']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: Error from server \(NotFound\): /);
});
