import { existsSync } from 'node:fs';
import Docker from 'dockerode';

/** The image hack/docker-up.sh imports from the static busybox. */
export const TEST_IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';

/**
 * A dockerode client for the daemon the tests use, or a reason to skip Docker tests.
 * In CI (OFELIA_REQUIRE_DOCKER=1) a missing daemon is a failure, never a skip.
 */
export async function testDocker(): Promise<{ docker: Docker } | { skip: string }> {
  const socketPath = '/var/run/docker.sock';
  const docker = process.env.DOCKER_HOST ? new Docker() : new Docker({ socketPath });
  const required = process.env.OFELIA_REQUIRE_DOCKER === '1';
  if (!process.env.DOCKER_HOST && !existsSync(socketPath)) {
    if (required) throw new Error('OFELIA_REQUIRE_DOCKER=1 but no Docker socket at /var/run/docker.sock');
    return { skip: 'no Docker daemon (run hack/docker-up.sh)' };
  }
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (e) {
    if (required) throw e;
    return { skip: `Docker daemon or ${TEST_IMAGE} not available: ${(e as Error).message}` };
  }
  return { docker };
}
