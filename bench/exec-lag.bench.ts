/**
 * End-to-end fire lag of exec jobs: 200 ScheduledDockerJobs due in the same second, each running
 * `exec` (`true`) into one container, against the operator process in embedded mode
 * (bin/ofelia-operator.js; the compiled build when dist/ is fresh). The lag of a run is its
 * recorded `startTime` (the exec started) minus its `scheduledTime`.
 *
 * Baseline, in the same run against the same container: the same 200 execs issued directly with
 * dockerode, 50 at once (the operator's default per-daemon limit, --max-concurrent-runs), timed
 * from the moment they are all issued to each exec's start.
 *
 *   npm run bench -- exec-lag          (about 1 minute; needs the Docker daemon and local/busybox:test)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { GROUP, PLURAL, VERSION } from '../src/api/schema.ts';
import { makeKubeClients, withTimeout } from '../src/kube/clients.ts';
import { compiledBuildIsFresh } from '../test/helpers/operator-process.ts';
import { OPERATOR_BIN, OPERATOR_NODE_FLAGS } from './operator-bin.ts';

const JOBS = 200;
const CONCURRENCY = 50;
const IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';
const BIN = OPERATOR_BIN;
const build = compiledBuildIsFresh() ? 'compiled' : 'sources';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const root = await mkdtemp(join(tmpdir(), 'ofelia-exec-lag-'));
const targetName = `ofelia-bench-exec-target-${process.pid}`;

const target = await docker.createContainer({
  name: targetName,
  Image: IMAGE,
  Cmd: ['sleep', '600'],
  Labels: { 'ofelia.dev/exec-from': '*', 'ofelia.dev/bench': 'exec-lag' },
  HostConfig: { NetworkMode: 'none', AutoRemove: false },
});
await target.start();

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

async function pool(count: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** The baseline: 200 execs straight to the daemon, 50 at once; ms from issue to each start. */
async function directExecs(): Promise<number[]> {
  const lags: number[] = [];
  const t0 = performance.now();
  await pool(JOBS, async () => {
    const exec = await target.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ Detach: false, Tty: false })) as unknown as Readable;
    lags.push(performance.now() - t0);
    await new Promise<void>((resolve) => {
      stream
        .on('end', resolve)
        .on('close', resolve)
        .on('error', () => resolve());
      stream.resume();
    });
  });
  return lags;
}

let operator: ReturnType<typeof spawn> | undefined;
try {
  const direct = await directExecs();

  operator = spawn(
    process.execPath,
    [
      ...OPERATOR_NODE_FLAGS,
      BIN,
      'run',
      '--data-dir',
      join(root, 'data'),
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      '--log-level',
      'warn',
    ],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: root,
        ...(build === 'sources' ? { OFELIA_FROM_SOURCES: '1' } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const kc = new KubeConfig();
  for (let i = 0; ; i++) {
    try {
      kc.loadFromFile(join(root, 'data', 'kubeconfig'));
      await makeKubeClients(kc).core.listNamespace({}, withTimeout(5_000));
      break;
    } catch (e) {
      if (i > 600) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const clients = makeKubeClients(kc);
  // One second far enough ahead for the creates (at this machine's worst, ~30 creates/s).
  const due = new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000);
  const schedule = `${due.getUTCSeconds()} ${due.getUTCMinutes()} ${due.getUTCHours()} * * *`;
  await pool(JOBS, async (i) => {
    await clients.customObjects.createNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: 'default',
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'ScheduledDockerJob',
          metadata: { name: `exec-${i}` },
          spec: { schedule, timeZone: 'UTC', exec: { container: targetName, command: ['true'] } },
        },
      },
      withTimeout(60_000),
    );
  });
  const createdBeforeDue = Date.now() < due.getTime();

  const lags = new Map<string, number>();
  const deadline = Date.now() + 180_000;
  while (lags.size < JOBS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    if (Date.now() < due.getTime()) continue;
    const list = (await clients.customObjects.listNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, namespace: 'default' },
      withTimeout(60_000),
    )) as {
      items: {
        metadata: { name: string };
        status?: { lastRun?: { scheduledTime: string; startTime?: string; result: string } };
      }[];
    };
    for (const item of list.items) {
      const run = item.status?.lastRun;
      if (run?.startTime)
        lags.set(item.metadata.name, Date.parse(run.startTime) - Date.parse(run.scheduledTime));
    }
  }
  const viaOperator = [...lags.values()];
  const row = (what: string, xs: number[], base?: number[]) => {
    const p50 = quantile(xs, 0.5);
    const p99 = quantile(xs, 0.99);
    const ratio = base ? ` x${(p99 / quantile(base, 0.99)).toFixed(2)}` : '';
    console.log(
      `| ${what.padEnd(44)} | ${String(xs.length).padStart(4)} | ${p50.toFixed(0).padStart(6)} | ${p99.toFixed(0).padStart(6)} | ${Math.max(
        ...xs,
      )
        .toFixed(0)
        .padStart(6)} |${ratio.padStart(7)} |`,
    );
  };
  console.log(
    `exec lag: ${JOBS} jobs due at ${due.toISOString()}, exec into one container, operator from ${build}${createdBeforeDue ? '' : ' (WARNING: creates ran past the due second)'}\n`,
  );
  console.log(`| ${'path'.padEnd(44)} | runs |  p50 ms |  p99 ms |  max ms | p99 vs baseline |`);
  console.log(`|${'-'.repeat(46)}|------|--------|--------|--------|--------|`);
  row('baseline: direct execs, 50 at once (issue->start)', direct);
  row('operator: scheduled time -> exec start', viaOperator, direct);
} finally {
  operator?.kill('SIGTERM');
  if (operator && operator.exitCode === null) await new Promise((r) => operator?.on('exit', r));
  await target.remove({ force: true }).catch(() => {});
  await rm(root, { recursive: true, force: true });
}
process.exit(0);
