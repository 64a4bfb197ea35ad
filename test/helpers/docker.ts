import { existsSync } from 'node:fs';
import Docker from 'dockerode';

/** The image hack/docker-up.sh imports from the static busybox. */
export const TEST_IMAGE = process.env.OFELIA_TEST_IMAGE ?? 'local/busybox:test';

/**
 * A dockerode client for the daemon the tests use. Docker tests are never skipped: a missing
 * daemon or test image fails the test that needs it, with the command that brings them up.
 * (The one way to require Docker: every Docker test gets its client from here, directly or
 * through useRunnerEnv / useControllerEnv.)
 */
export async function testDocker(): Promise<{ docker: Docker }> {
  const socketPath = '/var/run/docker.sock';
  const docker = process.env.DOCKER_HOST ? new Docker() : new Docker({ socketPath });
  if (!process.env.DOCKER_HOST && !existsSync(socketPath))
    throw new Error('no Docker daemon at /var/run/docker.sock: run `sudo bash hack/docker-up.sh`');
  try {
    await docker.ping();
    await docker.getImage(TEST_IMAGE).inspect();
  } catch (e) {
    throw new Error(
      `the test Docker daemon or ${TEST_IMAGE} is not available (${(e as Error).message}): run \`sudo bash hack/docker-up.sh\``,
    );
  }
  return { docker };
}
