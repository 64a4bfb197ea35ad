import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { ScheduledDockerJobSpecSchema } from '../../src/api/schema.ts';
import { isNotFound } from '../../src/docker/errors.ts';
import type { RunRequest } from '../../src/runner/job-runner.ts';
import { StaticSecretSource } from '../../src/runner/secret-source.ts';
import { testDocker } from '../helpers/docker.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';
import { useRunnerEnv } from '../helpers/runner-env.ts';

// Pulls from a real registry (docker-registry with htpasswd auth on 127.0.0.1), with right and wrong credentials.
let reg: TestRegistry | undefined;
const uid = randomUUID();
const never = new AbortController().signal;

const env = useRunnerEnv({
  instance: 'test-runner-pull',
  async setup() {
    reg = await startRegistry();
    await removeImage();
  },
  secrets: () =>
    new StaticSecretSource(
      [
        {
          kind: 'Secret',
          metadata: { name: 'right' },
          stringData: { '.dockerconfigjson': reg!.dockerConfigJson() },
        },
        {
          kind: 'Secret',
          metadata: { name: 'wrong' },
          stringData: { '.dockerconfigjson': reg!.dockerConfigJson(reg!.username, 'not-the-password') },
        },
      ],
      'pull',
    ),
});

after(async () => {
  if (reg) {
    await removeImage();
    await reg.stop();
  }
});

async function removeImage(): Promise<void> {
  if (!reg) return;
  // The pool has no image removal (the operator never removes images): use the Engine API directly.
  const d = await testDocker();
  if ('docker' in d)
    await d.docker
      .getImage(reg.image)
      .remove({ force: true })
      .catch((e: unknown) => {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      });
}

let seq = 0;
function request(pullPolicy: 'Always' | 'IfNotPresent', secret?: string): RunRequest {
  return {
    identity: {
      namespace: 'pull',
      jobName: 'pull',
      jobUid: uid,
      scheduledTime: Date.UTC(2026, 0, 1) + ++seq * 1000,
      attempt: 1,
    },
    trigger: 'Manual',
    spec: ScheduledDockerJobSpecSchema.parse({
      schedule: '@manual',
      run: {
        image: reg!.image,
        args: ['echo', 'pulled'],
        network: 'none',
        pullPolicy,
        imagePullSecrets: secret ? [{ name: secret }] : undefined,
      },
    }),
  };
}

async function imagePresent(): Promise<boolean> {
  try {
    await env.pool.get().inspectImage(reg!.image);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

test('IfNotPresent, image missing, wrong credentials: ImagePullFailed with the registry refusal', async () => {
  const rec = await env.runner.run(request('IfNotPresent', 'wrong'), never);
  assert.equal(rec.result, 'ImagePullFailed');
  assert.match(rec.message ?? '', /unauthorized|authentication required|denied/i);
  assert.equal(await imagePresent(), false);
});

test('Always without credentials: ImagePullFailed (no basic auth credentials)', async () => {
  const rec = await env.runner.run(request('Always'), never);
  assert.equal(rec.result, 'ImagePullFailed');
  assert.match(rec.message ?? '', /no basic auth credentials|unauthorized/i);
});

test('Always with the right credentials: pulled and run', async () => {
  const rec = await env.runner.run(request('Always', 'right'), never);
  assert.equal(rec.result, 'Succeeded', rec.message);
  assert.equal(rec.logTail, 'pulled\n');
  assert.equal(await imagePresent(), true);
});

test('Always with wrong credentials fails even when the image is present', async () => {
  assert.equal(await imagePresent(), true);
  const rec = await env.runner.run(request('Always', 'wrong'), never);
  assert.equal(rec.result, 'ImagePullFailed');
});

test('IfNotPresent with the image present does not pull (wrong credentials do not matter)', async () => {
  const rec = await env.runner.run(request('IfNotPresent', 'wrong'), never);
  assert.equal(rec.result, 'Succeeded', rec.message);
});
