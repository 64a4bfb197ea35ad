/**
 * An operator with its dashboard for end-to-end tests: `bin/ofelia-operator.js run` in embedded
 * mode (temporary data directory, free ports, the output store on), its admin token (from the
 * kubeconfig it wrote), read-only tokens made with `ofelia-operator token create --read-only`, and
 * cleanup: a graceful stop (SIGTERM), then every container of this operator instance removed.
 * Also the real headless Chromium (Debian's `chromium`, driven by playwright-core), launched once.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { type Browser, chromium } from 'playwright-core';
import { LABELS } from '../../src/api/run-identity.ts';
import { TEST_IMAGE } from './docker.ts';
import { type OperatorProcess, runToExit, startOperatorProcess } from './operator-process.ts';

export const CHROMIUM = process.env.OFELIA_CHROMIUM ?? '/usr/bin/chromium';

export interface DashboardEnv {
  op: OperatorProcess;
  tmp: string;
  dataDir: string;
  dashboardUrl: string;
  adminToken: string;
  instance: string;
  /** A new token that may only read. */
  readOnlyToken(name: string): Promise<string>;
  kubectl(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export async function startDashboardEnv(docker: Docker, extraArgs: string[] = []): Promise<DashboardEnv> {
  const tmp = await mkdtemp(join(tmpdir(), 'ofelia-dashboard-e2e-'));
  const dataDir = join(tmp, 'data');
  const op = await startOperatorProcess({
    home: tmp,
    dataDir,
    args: ['--node-name', 'e2e-node', '--shutdown-grace', '5s', ...extraArgs],
    lifetimeMs: 600_000,
  });
  const instanceLog = op.logs.find((l) => l.msg === 'operator instance');
  const instance = String(instanceLog?.instance ?? '');
  const tokenOut = await op.kubectl(['config', 'view', '--raw', '-o', 'jsonpath={.users[0].user.token}']);
  return {
    op,
    tmp,
    dataDir,
    dashboardUrl: op.dashboardUrl!,
    adminToken: tokenOut.stdout.trim(),
    instance,
    async readOnlyToken(name) {
      const r = await runToExit({
        args: ['token', 'create', '--data-dir', dataDir, '--name', name, '--read-only', '--ttl', '1h'],
        home: tmp,
      });
      if (r.code !== 0) throw new Error(`token create: ${r.stderr}`);
      return r.stdout.trim();
    },
    kubectl: (args, stdin) => op.kubectl(args, { stdin }),
    async close() {
      op.signal('SIGTERM');
      await op.waitForExit(60_000).catch(() => op.stop());
      if (instance) {
        const left = await docker.listContainers({
          all: true,
          filters: { label: [`${LABELS.instance}=${instance}`] },
        });
        for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
      }
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export function jobYaml(
  name: string,
  schedule: string,
  command: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    metadata: { name, namespace: 'default', labels: { suite: 'dashboard' } },
    spec: {
      schedule,
      ...extra,
      run: { image: TEST_IMAGE, network: 'none', pullPolicy: 'Never', command: ['sh', '-c', command] },
    },
  });
}

/** Debian's chromium, headless; a missing one fails the test (never a skip): hack/chromium-up.sh installs it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: run \`sudo bash hack/chromium-up.sh\``);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
