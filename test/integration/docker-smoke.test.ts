import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_IMAGE, testDocker } from '../helpers/docker.ts';

// Proves the CI wiring: a real daemon brought up by hack/docker-up.sh runs a real container.
test('a busybox container runs on the test daemon and reports its exit code', async () => {
  const d = await testDocker();
  const container = await d.docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', 'echo hello; exit 3'],
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
    Labels: { 'ofelia.dev/test': 'smoke' },
  });
  try {
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    assert.equal(result.StatusCode, 3);
    const logs = await container.logs({ stdout: true, stderr: true });
    assert.match(logs.toString('latin1'), /hello/);
  } finally {
    await container.remove({ force: true });
  }
});
