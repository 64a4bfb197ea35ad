/**
 * `import ofelia` end to end: an Ofelia INI file with job-exec, job-run (a new container, with an
 * env file, env copied from a container and volumes from it; and an existing stopped container
 * started) and job-local, translated by the real CLI, accepted by the real `validate`, applied with
 * the real kubectl to the embedded API server, and run by an operator process on the real daemon.
 * The operator runs with --allow-local-jobs (the runner's refusal without it is covered in
 * test/integration/runner-local.test.ts).
 * A second INI with the notification middlewares (slack to a real HTTP receiver on loopback, save
 * into an allowed folder) and a chain (on-success) is imported, created with `kubectl create -f`
 * as is, and runs: the chained job follows, the failing job is posted, the saved files keep stdout
 * and stderr apart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_IMAGE } from '../helpers/docker.ts';
import { getJob, useControllerEnv, waitFor } from '../helpers/operator.ts';
import { startHttpReceiver } from '../helpers/receivers.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/ofelia-operator.js');
const RUN_ID = randomBytes(3).toString('hex');
const TEST_LABEL = 'ofelia-e2e.import';
const TARGET = `ofelia-imp-target-${RUN_ID}`;
const STOPPED = `ofelia-imp-stopped-${RUN_ID}`;
const dir = mkdtempSync(join(tmpdir(), 'ofelia-import-e2e-'));
const saveRoot = mkdtempSync(join(tmpdir(), 'ofelia-import-save-'));
let slack: Awaited<ReturnType<typeof startHttpReceiver>>;
before(async () => {
  slack = await startHttpReceiver();
});
after(async () => {
  await slack?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(saveRoot, { recursive: true, force: true });
});

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: dir, NODE_OPTIONS: '' },
  });
  assert.doesNotMatch(`${r.stdout}${r.stderr}`, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const env = useControllerEnv({
  endOperatorsBy: 'stop',
  async setup({ startOperator, docker }) {
    // The container job-exec runs in and job-run copies env and volumes from; and a stopped one.
    const target = await docker.docker.createContainer({
      name: TARGET,
      Image: TEST_IMAGE,
      Cmd: ['sleep', '300'],
      Env: ['FROM_CONTAINER=target-value'],
      // The policy's exec opt-in, which Ofelia did not have: the target accepts jobs of `default`.
      Labels: { [TEST_LABEL]: RUN_ID, 'ofelia.dev/exec-from': 'default' },
      HostConfig: { NetworkMode: 'none', Binds: [] },
      Volumes: { '/shared': {} },
    });
    await target.start();
    await docker.docker.createContainer({
      name: STOPPED,
      Image: TEST_IMAGE,
      Cmd: ['echo', 'started-existing'],
      Labels: { [TEST_LABEL]: RUN_ID, 'ofelia.dev/exec-from': 'default' },
      HostConfig: { NetworkMode: 'none' },
    });
    const op = startOperator({
      identity: 'importer',
      nodeName: 'node-import',
      allowLocalJobs: true,
      notify: { saveDirs: [saveRoot] },
    });
    await op.waitForLog(/operator started/, { timeoutMs: 30_000 });
  },
  async afterOperatorsEnd({ docker }) {
    for (const c of await docker.docker.listContainers({
      all: true,
      filters: { label: [`${TEST_LABEL}=${RUN_ID}`] },
    })) {
      await docker.docker.getContainer(c.Id).remove({ force: true, v: true });
    }
  },
});

test('an Ofelia INI with job-exec, job-run and job-local is imported, validated, applied and every job runs', async () => {
  const marker = join(dir, 'local-ran');
  writeFileSync(join(dir, 'job.env'), '# from an env file\nFROM_FILE=file-value\n');
  const ini = join(dir, 'ofelia.ini');
  writeFileSync(
    ini,
    `[global]
default-user = 0

[job-exec "exec-in-target"]
schedule = @every 2s
container = ${TARGET}
command = sh -c 'test "$FROM_CONTAINER" = target-value'
no-overlap = true

[job-run "run-new"]
schedule = @every 2s
image = ${TEST_IMAGE}
pull = false
network = none
env-file = job.env
env-from = ${TARGET}
volumes-from = ${TARGET}
command = sh -c 'test "$FROM_FILE" = file-value && test "$FROM_CONTAINER" = target-value && test -d /shared'

[job-run "start-existing"]
schedule = @every 3s
container = ${STOPPED}

[job-local "local-touch"]
schedule = @every 2s
command = sh -c 'echo ran > ${marker}'
`,
  );

  // Translate: some keys are reported (the local job's host access), so exit 3; no stack trace.
  const out = join(dir, 'out');
  const imported = cli(['import', 'ofelia', '-f', ini, '-o', out, '--include-secrets', '-n', 'default']);
  assert.equal(imported.code, 3, imported.stderr);
  assert.match(
    imported.stderr,
    /ofelia\.ini:\d+: \[job-local "local-touch"\]: local job: runs on the operator's host only when/,
  );
  const files = readdirSync(out).sort();
  assert.deepEqual(files, [
    '1-secret-run-new-env-file.yaml',
    '3-sdj-exec-in-target.yaml',
    '3-sdj-local-touch.yaml',
    '3-sdj-run-new.yaml',
    '3-sdj-start-existing.yaml',
  ]);
  assert.match(readFileSync(join(out, '1-secret-run-new-env-file.yaml'), 'utf8'), /FROM_FILE: file-value/);

  // validate accepts the output as it is, and kubectl applies it as it is.
  const validated = cli(['validate', '-f', out]);
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
  assert.match(validated.stdout, /4 ScheduledDockerJob\(s\) valid/);
  const applied = await env.kubectl(['apply', '-f', out]);
  assert.equal(applied.code, 0, applied.stderr);

  // Every job runs and succeeds.
  for (const name of ['exec-in-target', 'run-new', 'start-existing', 'local-touch']) {
    const job = await waitFor(
      `a successful run of ${name}`,
      async () => {
        const j = await getJob(env.kubectl, name);
        return (j?.status?.counters?.succeeded ?? 0) >= 1 && j;
      },
      40_000,
    );
    assert.equal(
      job.status?.lastRun?.result ?? job.status?.lastResult,
      'Succeeded',
      `${name}: ${JSON.stringify(job.status?.lastRun)}`,
    );
  }
  assert.ok(existsSync(marker), 'the local job ran on this host');
  // The started container is the user's: it is still there after its runs.
  const stopped = await env.docker.docker.getContainer(STOPPED).inspect();
  assert.equal(stopped.State.Running, false);
  for (const name of ['exec-in-target', 'run-new', 'start-existing', 'local-touch']) {
    await env.kubectl(['delete', 'sdj', name, '--wait=true']);
  }
});

test('slack, save and on-success are imported as JobNotifiers and a chain that the API server takes as is, and work', async () => {
  const folder = join(saveRoot, 'reports');
  const ini = join(dir, 'notify.ini');
  writeFileSync(
    ini,
    `[global]
default-user = 0
slack-webhook = ${slack.url}/services/T0/B0/token
slack-only-on-error = true
save-folder = ${folder}

[job-run "produce"]
schedule = @manual
image = ${TEST_IMAGE}
pull = false
network = none
command = sh -c 'echo to-stdout; echo to-stderr >&2'
on-success = consume

[job-run "consume"]
schedule = @triggered
image = ${TEST_IMAGE}
pull = false
network = none
command = echo consumed

[job-run "breaks"]
schedule = @manual
image = ${TEST_IMAGE}
pull = false
network = none
command = sh -c 'echo broken >&2; exit 3'
`,
  );
  const out = join(dir, 'notify-out');
  const imported = cli(['import', 'ofelia', '-f', ini, '-o', out, '--include-secrets', '-n', 'default']);
  // Reported: the save folder's operator flag.
  assert.equal(imported.code, 3, imported.stderr);
  assert.match(
    imported.stderr,
    /notify\.ini:5: \[global\] save-folder: written only when the operator runs with --notify-save-dir/,
  );
  assert.deepEqual(readdirSync(out).sort(), [
    '1-secret-ofelia-slack.yaml',
    '2-jobnotifier-ofelia-save.yaml',
    '2-jobnotifier-ofelia-slack.yaml',
    '3-sdj-breaks.yaml',
    '3-sdj-consume.yaml',
    '3-sdj-produce.yaml',
  ]);
  const validated = cli(['validate', '-f', out]);
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
  // The embedded API server admits every object as the import wrote it.
  const created = await env.kubectl(['create', '-f', out]);
  assert.equal(created.code, 0, created.stderr);
  // kubectl creates the files in name order: Secrets, notifiers, jobs. A notifier reads its
  // Secret a moment after it is created; the runs are triggered once it has (it sends nothing
  // while it is not Ready).
  for (const notifier of ['ofelia-slack', 'ofelia-save'])
    await waitFor(`${notifier} Ready`, async () => {
      const r = await env.kubectl(['get', 'jobnotifier', notifier, '-o', 'json']);
      const conditions = r.code === 0 ? JSON.parse(r.stdout).status?.conditions : undefined;
      return (conditions as Array<{ type: string; status: string }> | undefined)?.some(
        (c) => c.type === 'Ready' && c.status === 'True',
      );
    });
  for (const job of ['produce', 'breaks']) {
    const r = await env.kubectl(['annotate', 'sdj', job, 'ofelia.dev/run-now=now', '--overwrite']);
    assert.equal(r.code, 0, r.stderr);
  }

  const consume = await waitFor(
    'the chained job ran after produce',
    async () => {
      const j = await getJob(env.kubectl, 'consume');
      return (j?.status?.counters?.succeeded ?? 0) >= 1 && j;
    },
    40_000,
  );
  assert.equal(consume.status?.recentRuns?.[0]?.trigger, 'Chained');
  // slack-only-on-error: the failing job is posted, the succeeding ones are not.
  const posted = await waitFor('a slack message about breaks', () =>
    slack.requests.find((r) => r.path === '/services/T0/B0/token' && r.body.includes('breaks')),
  );
  assert.equal(posted.method, 'POST');
  assert.equal(
    slack.requests.filter((r) => /produce|consume/.test(r.body)).length,
    0,
    'no message for successful runs',
  );
  // save: every finished run; stdout and stderr in their own files.
  const saved = await waitFor('the saved files of produce', () => {
    try {
      const names = readdirSync(folder).filter((n) => n.includes('_default_produce.'));
      return names.length === 3 && names.sort();
    } catch {
      return false;
    }
  });
  const read = (suffix: string) =>
    readFileSync(join(folder, saved.find((n) => n.endsWith(suffix)) as string), 'utf8');
  assert.equal(read('.stdout.log'), 'to-stdout\n');
  assert.equal(read('.stderr.log'), 'to-stderr\n');
  for (const name of ['produce', 'consume', 'breaks'])
    await env.kubectl(['delete', 'sdj', name, '--wait=true']);
  await env.kubectl(['delete', 'jobnotifier', 'ofelia-slack', 'ofelia-save']);
});
