import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../../../src/api/schema.ts';
import type { ContainerInspect, VolumeInspect } from '../../../../src/docker/engine-types.ts';
import {
  ExecTargetNotFound,
  gatherPolicyFacts,
  type HostPaths,
  type PolicyDocker,
  securityPolicy,
} from '../../../../src/runner/policy/index.ts';

const spec = (s: object) => ScheduledDockerJobSpecSchema.parse({ schedule: '@manual', ...s });

/**
 * A daemon that knows a few containers and volumes and records every look-up. Its limits: names
 * only (no id prefixes), no errors other than "not found".
 */
function fakeDocker(containers: ContainerInspect[], volumes: VolumeInspect[]) {
  const calls: string[] = [];
  const docker: PolicyDocker = {
    async inspectContainer(id) {
      calls.push(`container ${id}`);
      return containers.find((c) => c.Name === `/${id}`);
    },
    async inspectVolume(name) {
      calls.push(`volume ${name}`);
      return volumes.find((v) => v.Name === name);
    },
  };
  return { docker, calls };
}

/** Symlinks as a map (link -> target path); everything else exists as itself, except /missing*. */
function fakeHost(links: Record<string, string>): HostPaths {
  return {
    async realpath(p) {
      if (p.startsWith('/missing')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      for (const [link, target] of Object.entries(links)) {
        if (p === link || p.startsWith(`${link}/`)) return target + p.slice(link.length);
      }
      return p;
    },
  };
}

const db: ContainerInspect = {
  Id: 'abc',
  Name: '/db',
  State: { Status: 'running', Running: true, ExitCode: 0 },
  Config: { Image: 'x', Labels: { 'ofelia.dev/exec-from': '*' }, User: '999' },
  HostConfig: { NetworkMode: 'host' },
};

test('facts: the exec target, as the policy sees it', async () => {
  const { docker } = fakeDocker([db], []);
  const f = await gatherPolicyFacts(
    spec({ exec: { container: 'db', command: ['id'] } }),
    securityPolicy(),
    docker,
    fakeHost({}),
  );
  assert.deepEqual(f.execTarget, {
    id: 'abc',
    name: 'db',
    labels: { 'ofelia.dev/exec-from': '*' },
    running: true,
    status: 'running',
    user: '999',
    networkMode: 'host',
  });
});

test('facts: a missing exec target is ExecTargetNotFound', async () => {
  const { docker } = fakeDocker([], []);
  await assert.rejects(
    gatherPolicyFacts(
      spec({ exec: { container: 'gone', command: ['id'] } }),
      securityPolicy(),
      docker,
      fakeHost({}),
    ),
    ExecTargetNotFound,
  );
});

test('facts: network container, volumes (missing = null), binds and prefixes resolved', async () => {
  const { docker, calls } = fakeDocker(
    [db],
    [{ Name: 'ns_v', Driver: 'local', Options: { o: 'bind', device: '/etc' } }],
  );
  const f = await gatherPolicyFacts(
    spec({
      run: {
        image: 'x',
        network: 'container:db',
        volumes: [
          { source: 'ns_v', target: '/a' },
          { source: 'ns_new', target: '/b' },
          { type: 'bind', source: '/data/escape', target: '/c' },
          { type: 'bind', source: '/missing/x', target: '/d' },
        ],
      },
    }),
    securityPolicy({ allowedBindPrefixes: ['/data'], allowedBindPrefixesReadWrite: ['/missing'] }),
    docker,
    fakeHost({ '/data/escape': '/etc', '/data': '/mnt/data' }),
  );
  assert.equal(f.networkContainer?.networkMode, 'host');
  assert.deepEqual(f.volumes.get('ns_v'), {
    name: 'ns_v',
    driver: 'local',
    options: { o: 'bind', device: '/etc' },
  });
  assert.equal(f.volumes.get('ns_new'), null);
  assert.deepEqual(f.bindSources.get('/data/escape'), { resolved: '/etc' });
  assert.deepEqual(f.bindSources.get('/missing/x'), { error: 'NotFound', detail: 'ENOENT' });
  assert.deepEqual(
    [...f.resolvedPrefixes],
    [
      ['/data', '/mnt/data'],
      ['/missing', '/missing'],
    ],
  );
  assert.deepEqual(calls, ['container db', 'volume ns_v', 'volume ns_new']);
});

test('facts: the privileged level looks up only the exec target', async () => {
  const { docker, calls } = fakeDocker([db], []);
  const f = await gatherPolicyFacts(
    spec({ run: { image: 'x', network: 'container:db', volumes: [{ source: 'v', target: '/v' }] } }),
    securityPolicy({ level: 'privileged' }),
    docker,
    fakeHost({}),
  );
  assert.deepEqual(calls, []);
  assert.equal(f.volumes.size, 0);
});
