/**
 * A real image registry for pull tests: Debian's docker-registry on 127.0.0.1 with htpasswd auth,
 * started by hack/registry-up.sh (which installs it when missing and pushes the test image).
 * Bounded: the script gets 6 minutes (an apt install on a fresh CI machine), and `stop()` kills the
 * registry by its PID and deletes its storage.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = new URL('../../hack/registry-up.sh', import.meta.url).pathname;

export interface TestRegistry {
  /** host:port */
  address: string;
  /** The pushed test image, e.g. 127.0.0.1:40123/ofelia/busybox:test */
  image: string;
  username: string;
  password: string;
  /** A `.dockerconfigjson` value for these (or other) credentials. */
  dockerConfigJson(username?: string, password?: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'ofelia-registry-'));
  const port = await freePort();
  const username = 'ofelia';
  const password = `pw-${port}`;
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [SCRIPT, dir, String(port), username, password], {
      timeout: 360_000,
      maxBuffer: 1024 * 1024,
    }));
  } catch (e) {
    await stopPid(dir);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const image = stdout.trim().split('\n').pop()!;
  const address = `127.0.0.1:${port}`;
  return {
    address,
    image,
    username,
    password,
    dockerConfigJson: (u = username, p = password) =>
      JSON.stringify({ auths: { [address]: { username: u, password: p } } }),
    stop: async () => {
      await stopPid(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stopPid(dir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(join(dir, 'registry.pid'), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
