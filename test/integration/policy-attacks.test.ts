/**
 * The four attacks of issue 9, each against the real Docker daemon, with the runner as the
 * operator and run-once use it. Each one worked with the previous policy (the job ran and reached
 * what it should not); now each is PolicyDenied with the field and reason, and nothing is created
 * or executed. Next to each attack, the opt-in or allowance that makes the legitimate use work.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type Docker from 'dockerode';
import { LABELS } from '../../src/api/run-identity.ts';
import { type RunRecord, ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { JobRunner, type RunRequest } from '../../src/runner/job-runner.ts';
import { type SecurityPolicy, securityPolicy } from '../../src/runner/policy/index.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { useRunnerEnv } from '../helpers/runner-env.ts';

const suffix = randomUUID().slice(0, 8);
const jobUid = `policy-attacks-${suffix}`;
const TEST_LABEL = { 'ofelia.dev/test': `policy-${suffix}` };
const never = new AbortController().signal;
// Everything on the host side lives in one temporary directory, removed at the end.
const hostDir = mkdtempSync(join(tmpdir(), 'ofelia-policy-'));
const allowedDir = join(hostDir, 'allowed');
const secretDir = join(hostDir, 'secret');
mkdirSync(allowedDir);
mkdirSync(secretDir);
writeFileSync(join(secretDir, 'token'), 'host-secret\n');

const madeContainers: Docker.Container[] = [];
const madeVolumes: string[] = [];

const env = useRunnerEnv({ instance: 'test-policy-attacks', removeContainersOfJobUid: jobUid });

after(async () => {
  const docker = env.docker;
  if (docker) {
    for (const c of madeContainers) await c.remove({ force: true }).catch(() => {});
    for (const v of madeVolumes)
      await docker
        .getVolume(v)
        .remove({ force: true })
        .catch(() => {});
  }
  rmSync(hostDir, { recursive: true, force: true });
});

function runner(policy: SecurityPolicy): JobRunner {
  return new JobRunner({
    pool: env.pool,
    instance: 'test-policy-attacks',
    log: silentLogger(),
    secrets: new StaticSecretSource(),
    sink: { line() {} },
    policy,
  });
}

let seq = 0;
function request(namespace: string, spec: object): RunRequest {
  return {
    identity: {
      namespace,
      jobName: 'attack',
      jobUid,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...spec }),
  };
}

function busybox(args: string[], extra: object = {}): object {
  return { run: { image: TEST_IMAGE, pullPolicy: 'Never', network: 'none', args, ...extra } };
}

async function sleeper(name: string, labels: Record<string, string> = {}): Promise<Docker.Container> {
  const docker = env.docker!;
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    name: `${name}-${suffix}`,
    Cmd: ['sleep', '600'],
    Labels: { ...TEST_LABEL, ...labels },
    HostConfig: { NetworkMode: 'none' },
  });
  madeContainers.push(c);
  await c.start();
  return c;
}

/** How many containers this test's runs created (a denied run must have created none). */
async function runContainers(): Promise<number> {
  const list = await env.docker!.listContainers({
    all: true,
    filters: { label: [`${LABELS.jobUid}=${jobUid}`] },
  });
  return list.length;
}

function assertDenied(rec: RunRecord, field: string, reason: string): void {
  assert.equal(rec.result, 'PolicyDenied', `${rec.result} ${rec.reason}: ${rec.message}`);
  assert.equal(rec.reason, reason);
  assert.ok(rec.message?.startsWith(`${field}: `), rec.message);
  assert.equal(rec.containerId, undefined);
  assert.equal(rec.logTail, undefined, 'nothing ran, so nothing was printed');
}

test('attack 1: exec into a container that did not opt in is denied and nothing is executed', async () => {
  const victim = await sleeper('policy-victim');
  const rec = await runner(securityPolicy()).run(
    request('tenant-a', {
      exec: { container: `policy-victim-${suffix}`, command: ['sh', '-c', 'echo pwned > /tmp/pwned'] },
    }),
    never,
  );
  assertDenied(rec, 'spec.exec.container', 'ExecTargetNotOptedIn');
  assert.match(rec.message!, /ofelia\.dev\/exec-from=tenant-a/, 'the message says how to opt in');
  const inspected = await victim.inspect();
  assert.equal(inspected.ExecIDs, null, 'no exec was ever created in the victim');
});

test('attack 1, opt-in: the label lets the named namespaces (and only them) exec', async () => {
  await sleeper('policy-optin', { 'ofelia.dev/exec-from': 'tenant-a, ops' });
  const r = runner(securityPolicy());
  const spec = { exec: { container: `policy-optin-${suffix}`, command: ['echo', 'hello'] } };
  const mine = await r.run(request('tenant-a', spec), never);
  assert.equal(mine.result, 'Succeeded', mine.message);
  assert.equal(mine.logTail, 'hello\n');
  assertDenied(await r.run(request('tenant-b', spec), never), 'spec.exec.container', 'ExecTargetNotOptedIn');
  // The operator's name pattern opts containers in without a label.
  await sleeper('policy-byname');
  const byName = runner(securityPolicy({ allowedExecContainers: ['policy-byname-*'] }));
  const rec = await byName.run(
    request('tenant-b', { exec: { container: `policy-byname-${suffix}`, command: ['true'] } }),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
});

test('attack 2: network container:<X> without the opt-in, and an unlisted user network, are denied', async () => {
  await sleeper('policy-netvictim');
  const r = runner(securityPolicy());
  const before = await runContainers();
  const joined = await r.run(
    request('tenant-a', busybox(['true'], { network: `container:policy-netvictim-${suffix}` })),
    never,
  );
  assertDenied(joined, 'spec.run.network', 'NetworkContainerNotOptedIn');
  const userNet = await r.run(
    request('tenant-a', busybox(['true'], { network: `other-app-net-${suffix}` })),
    never,
  );
  assertDenied(userNet, 'spec.run.network', 'NetworkNotAllowed');
  assert.equal(await runContainers(), before, 'no container was created');

  // With the opt-in label, joining works, and the container joined is the one checked (by id).
  const share = await sleeper('policy-netshare', { 'ofelia.dev/exec-from': '*' });
  const ok = await r.run(
    request(
      'tenant-a',
      busybox(['true'], { network: `container:policy-netshare-${suffix}`, remove: 'Never' }),
    ),
    never,
  );
  assert.equal(ok.result, 'Succeeded', ok.message);
  const made = await env.docker!.getContainer(ok.containerId!).inspect();
  assert.equal(made.HostConfig.NetworkMode, `container:${share.id}`);
});

test('attack 3: a symlink planted by one job does not let a later job bind-mount the host', async () => {
  const r = runner(securityPolicy({ allowedBindPrefixesReadWrite: [allowedDir] }));
  // Job 1: allowed to write under the prefix, plants a symlink to the host's secret directory.
  const plant = await r.run(
    request(
      'tenant-a',
      busybox(['busybox', 'ln', '-s', secretDir, '/allowed/escape'], {
        volumes: [{ type: 'bind', source: allowedDir, target: '/allowed' }],
      }),
    ),
    never,
  );
  assert.equal(plant.result, 'Succeeded', plant.message);
  assert.equal(
    readlinkSync(join(allowedDir, 'escape')),
    secretDir,
    'the symlink is really there on the host',
  );

  // Job 2: mounts the symlink, which lexically is under the allowed prefix.
  const before = await runContainers();
  const read = await r.run(
    request(
      'tenant-a',
      busybox(['cat', '/mnt/token'], {
        volumes: [{ type: 'bind', source: join(allowedDir, 'escape'), target: '/mnt', readOnly: true }],
      }),
    ),
    never,
  );
  assertDenied(read, 'spec.run.volumes[0].source', 'BindSourceEscapes');
  assert.match(read.message!, new RegExp(`leads to "${secretDir}"`));
  assert.equal(await runContainers(), before, 'no container was created');

  // The same through a subdirectory of the symlink.
  const deeper = await r.run(
    request(
      'tenant-a',
      busybox(['true'], {
        volumes: [
          { type: 'bind', source: join(allowedDir, 'escape', 'token'), target: '/t', readOnly: true },
        ],
      }),
    ),
    never,
  );
  assertDenied(deeper, 'spec.run.volumes[0].source', 'BindSourceEscapes');
});

test('bind mounts are read-only under --allow-bind-prefix; a real directory under it mounts', async () => {
  const ro = runner(securityPolicy({ allowedBindPrefixes: [allowedDir] }));
  const data = join(allowedDir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'f'), 'inside\n');
  const writable = await ro.run(
    request('tenant-a', busybox(['true'], { volumes: [{ type: 'bind', source: data, target: '/d' }] })),
    never,
  );
  assertDenied(writable, 'spec.run.volumes[0].readOnly', 'BindMountReadOnly');
  const reads = await ro.run(
    request(
      'tenant-a',
      busybox(['sh', '-c', 'cat /d/f; echo x > /d/g || echo refused'], {
        volumes: [{ type: 'bind', source: data, target: '/d', readOnly: true }],
      }),
    ),
    never,
  );
  assert.equal(reads.result, 'Succeeded', reads.message);
  assert.match(reads.logTail ?? '', /^inside$/m);
  assert.match(reads.logTail ?? '', /refused/, 'the mount really is read-only');

  // A symlink that stays inside the prefix is fine; the daemon is given the resolved path.
  symlinkSync(data, join(allowedDir, 'data-link'));
  const viaLink = await ro.run(
    request(
      'tenant-a',
      busybox(['cat', '/d/f'], {
        volumes: [{ type: 'bind', source: join(allowedDir, 'data-link'), target: '/d', readOnly: true }],
        remove: 'Never',
      }),
    ),
    never,
  );
  assert.equal(viaLink.result, 'Succeeded', viaLink.message);
  const made = await env.docker!.getContainer(viaLink.containerId!).inspect();
  assert.equal(made.HostConfig.Mounts?.[0]?.Source, data);
});

test("attack 4: another namespace's volume, and a volume binding a host path, are denied", async () => {
  const docker = env.docker!;
  const theirs = `tenant-b_data-${suffix}`;
  const sneaky = `tenant-a_sneaky-${suffix}`;
  await docker.createVolume({ Name: theirs, Labels: TEST_LABEL });
  madeVolumes.push(theirs);
  await docker.createVolume({
    Name: sneaky,
    Driver: 'local',
    DriverOpts: { type: 'none', o: 'bind', device: secretDir },
    Labels: TEST_LABEL,
  });
  madeVolumes.push(sneaky);
  const r = runner(securityPolicy());
  const before = await runContainers();

  const other = await r.run(
    request('tenant-a', busybox(['ls', '/v'], { volumes: [{ source: theirs, target: '/v' }] })),
    never,
  );
  assertDenied(other, 'spec.run.volumes[0].source', 'VolumeNotAllowed');
  const host = await r.run(
    request('tenant-a', busybox(['cat', '/v/token'], { volumes: [{ source: sneaky, target: '/v' }] })),
    never,
  );
  assertDenied(host, 'spec.run.volumes[0].source', 'HostPathVolume');
  assert.equal(await runContainers(), before, 'no container was created');

  // The namespace's own volume (created on first use) mounts read-write.
  const own = `tenant-a_data-${suffix}`;
  madeVolumes.push(own);
  const ok = await r.run(
    request(
      'tenant-a',
      busybox(['sh', '-c', 'echo kept > /v/f && cat /v/f'], { volumes: [{ source: own, target: '/v' }] }),
    ),
    never,
  );
  assert.equal(ok.result, 'Succeeded', ok.message);
  assert.equal(ok.logTail, 'kept\n');
  // And the operator's allow-list lets a shared volume through.
  const shared = runner(securityPolicy({ allowedVolumes: ['tenant-b_data-*'] }));
  const rec = await shared.run(
    request('tenant-a', busybox(['true'], { volumes: [{ source: theirs, target: '/v' }] })),
    never,
  );
  assert.equal(rec.result, 'Succeeded', rec.message);
});

test('hostPID is denied by default and maps to the host PID namespace when allowed', async () => {
  const spec = busybox(['sh', '-c', 'cat /proc/1/cmdline | busybox tr "\\0" " "'], { hostPID: true });
  assertDenied(
    await runner(securityPolicy()).run(request('tenant-a', spec), never),
    'spec.run.hostPID',
    'HostPidNotAllowed',
  );
  const rec = await runner(securityPolicy({ allowHostPid: true })).run(request('tenant-a', spec), never);
  assert.equal(rec.result, 'Succeeded', rec.message);
  // In its own PID namespace PID 1 would be this very shell; in the host's it is the host's init.
  assert.doesNotMatch(rec.logTail ?? '', /^sh -c/);
});

test('restricted: a hardened job runs as non-root with a read-only root and no capabilities', async () => {
  const r = runner(securityPolicy({ level: 'restricted' }));
  const hardening = {
    securityContext: {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    },
  };
  const plain = await r.run(request('tenant-a', busybox(['true'])), never);
  assertDenied(plain, 'spec.run.securityContext.readOnlyRootFilesystem', 'ReadOnlyRootFilesystemRequired');
  const asRoot = await r.run(request('tenant-a', busybox(['true'], { ...hardening, user: '0' })), never);
  assertDenied(asRoot, 'spec.run.user', 'RunAsNonRootRequired');
  const hardened = await r.run(
    request(
      'tenant-a',
      busybox(
        [
          'sh',
          '-c',
          'id -u; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; echo x > /f || echo read-only',
        ],
        {
          user: '1000:1000',
          securityContext: {
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          },
        },
      ),
    ),
    never,
  );
  assert.equal(hardened.result, 'Succeeded', hardened.message);
  const out = hardened.logTail ?? '';
  assert.match(out, /^1000$/m);
  assert.match(out, /CapEff:\s+0000000000000000/);
  assert.match(out, /NoNewPrivs:\s+1/);
  assert.match(out, /read-only/);
});
