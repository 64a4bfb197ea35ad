/**
 * Which packages the operator process loads: in embedded mode with the default in-process client
 * it never loads @kubernetes/client-node (importing it alone costs about 84 MB of RSS,
 * docs/performance.md), while it elects a leader, resolves a JobNotifier (informer, Secret read,
 * status write, Event), runs the Docker-label source (`--docker-labels`) and shuts down; with `--embedded-client https` it does load it, which also
 * shows that the check sees it when it is there.
 *
 * How: `node --import test/helpers/record-modules.mjs bin/ofelia-operator.js run ...`, whose
 * module hooks append every module URL the process resolves or loads to a file read here.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../helpers/operator.ts';
import {
  type ChildHandle,
  compiledBuildIsFresh,
  kubectlWith,
  OPERATOR_BIN,
  spawnChild,
} from '../helpers/operator-process.ts';

const RECORD_MODULES = fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url));
const CLIENT_NODE = '/node_modules/@kubernetes/client-node/';

let tmp: string;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ofelia-modules-'));
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface RunOutcome {
  /** Every module URL the process resolved or loaded, once each. */
  modules: Set<string>;
  /** The JobNotifier's Ready condition as the operator wrote it. */
  ready: { status: string; reason: string } | undefined;
}

/**
 * Runs the operator in embedded mode with `extra` flags (leader election on), applies a
 * JobNotifier whose Secret is missing, waits until the operator has written its Ready condition,
 * then stops it with SIGTERM (exit 0 expected) and returns what the process loaded.
 */
async function runEmbedded(name: string, extra: string[]): Promise<RunOutcome> {
  const dir = join(tmp, name);
  const moduleLog = join(tmp, `${name}.modules`);
  const child: ChildHandle = spawnChild({
    command: process.execPath,
    args: [
      '--import',
      RECORD_MODULES,
      OPERATOR_BIN,
      'run',
      '--data-dir',
      join(dir, 'data'),
      '--listen',
      '127.0.0.1:0',
      '--http-listen',
      '127.0.0.1:0',
      // The dashboard on (it must not load client-node either), on a port of its own.
      '--dashboard-listen',
      '127.0.0.1:0',
      '--log-format',
      'json',
      '--node-name',
      'modules-node',
      '--leader-elect',
      '--leader-elect-namespace',
      'default',
      ...extra,
    ],
    home: tmp,
    // As spawnChild does for the default command: the compiled build when fresh, else the sources.
    env: {
      OFELIA_TEST_MODULE_LOG: moduleLog,
      ...(compiledBuildIsFresh() ? {} : { OFELIA_FROM_SOURCES: '1' }),
    },
    lifetimeMs: 120_000,
  });
  try {
    const started = await child.waitForLog('operator started', { timeoutMs: 90_000 });
    const kubectl = kubectlWith(String(started.kubeconfig), tmp);
    const applied = await kubectl(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'ofelia.dev/v1alpha1',
        kind: 'JobNotifier',
        metadata: { name: 'hook', namespace: 'default' },
        spec: {
          type: 'slack',
          address: 'https://hooks.slack.test/T/B/x',
          credentialsFrom: { name: 'missing' },
        },
      }),
    });
    assert.equal(applied.code, 0, applied.stderr);
    const ready = await waitFor(
      'the JobNotifier Ready condition',
      async () => {
        const r = await kubectl(['get', 'jobnotifier', 'hook', '-n', 'default', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const conditions = (JSON.parse(r.stdout) as { status?: { conditions?: { type: string }[] } }).status
          ?.conditions;
        return conditions?.find((c) => c.type === 'Ready') as RunOutcome['ready'];
      },
      60_000,
    );
    child.signal('SIGTERM');
    const exit = await child.waitForExit(60_000);
    assert.equal(exit.code, 0, child.stderr());
    const modules = new Set((await readFile(moduleLog, 'utf8')).split('\n').filter(Boolean));
    return { modules, ready };
  } finally {
    await child.stop().catch(() => undefined);
  }
}

test('embedded mode, in-process client: client-node is never loaded, leader election, notifiers and the Docker-label source work', async () => {
  const { modules, ready } = await runEmbedded('in-process', ['--docker-labels']);
  // The hooks saw the process's own modules: a check that cannot see anything proves nothing.
  assert.ok(
    [...modules].some((url) => url.includes('/node_modules/pino/')),
    `the module log has no pino: ${modules.size} URLs`,
  );
  assert.deepEqual(
    [...modules].filter((url) => url.includes(CLIENT_NODE)),
    [],
    'client-node was loaded in embedded mode with the in-process client',
  );
  assert.ok(
    [...modules].some((url) => /\/labels\/in-process-object-store\.(ts|js)$/.test(url)),
    'the Docker-label source ran with its in-process stores',
  );
  // The notifier was resolved through the in-process clients: its Secret read (404) and status.
  assert.equal(ready?.status, 'False');
  assert.ok(ready?.reason, 'a Ready condition with a reason');
});

test('embedded mode, --embedded-client https: client-node is loaded (the check sees it)', async () => {
  const { modules, ready } = await runEmbedded('https', ['--embedded-client', 'https']);
  assert.ok([...modules].some((url) => url.includes(CLIENT_NODE)));
  assert.equal(ready?.status, 'False');
});
