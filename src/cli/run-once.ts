/**
 * `ofelia-operator run-once -f job.yaml`: runs one ScheduledDockerJob once, now, on the local
 * Docker daemon, through the same runner the operator uses. Output lines stream as they come; the
 * run record is printed at the end. Secrets and ConfigMaps the job refers to may sit in the same
 * file (as extra YAML documents).
 *
 * Exit codes: 0 the run Succeeded, 1 any other result, 2 usage or manifest errors.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadManifests } from '../api/manifest.ts';
import { RUN_ONCE_INSTANCE, type RunIdentity } from '../api/run-identity.ts';
import { API_VERSION, KIND, type RunRecord } from '../api/schema.ts';
import { validateScheduledDockerJob } from '../api/validate.ts';
import { POLICY_ARGS_OPTIONS, type PolicyConfig, parsePolicyValues } from '../config/config.ts';
import { DaemonConfigError, localDaemonConfig } from '../docker/config.ts';
import { DockerPool } from '../docker/pool.ts';
import { createLogger } from '../log/logger.ts';
import { JobRunner } from '../runner/job-runner.ts';
import type { OutputSink } from '../runner/output-sink.ts';
import { type SecretLikeObject, StaticSecretSource } from '../runner/secret-source.ts';

export const usage = `Usage: ofelia-operator run-once -f FILE [-o text|json] [--docker-host URL] [policy flags]

Run one ScheduledDockerJob once, now, on the local Docker daemon, and print its run record.
Secrets and ConfigMaps referenced by env valueFrom or imagePullSecrets may be given as extra
documents in the same file.

Flags:
  -f, --file PATH            the manifest (YAML/JSON, or - for stdin) holding exactly one job
  -o, --output FMT           text (default): container output on stdout/stderr, then a summary;
                             json: container output on stderr, the run record as JSON on stdout
      --docker-host URL      unix:///path or tcp://host:port (default: $DOCKER_HOST or
                             unix:///var/run/docker.sock)
  -h, --help                 show this help

Security policy (the same flags, environment variables and defaults as ofelia-operator run;
see docs/security.md):
      --policy LEVEL         privileged | baseline (default) | restricted
      --allow-privileged     allow spec.run.privileged / spec.exec.privileged
      --allow-host-network   allow spec.run.network: host
      --allow-host-pid       allow spec.run.hostPID
      --allow-bind-prefix PATH     read-only bind mounts under this host path; repeatable
                             (--allow-bind PATH is the same)
      --allow-bind-prefix-rw PATH  read-write bind mounts under this host path; repeatable
      --allow-network NAME   a user-defined network jobs may join; repeatable
      --allow-volume PATTERN a named volume any job may mount; repeatable
      --allow-exec-container PATTERN
                             a container any job may exec into without the opt-in label

Exit status: 0 the run Succeeded, 1 it did not, 2 usage or manifest error.
`;

interface Flags {
  file: string;
  output: 'text' | 'json';
  dockerHost: string | undefined;
  policy: PolicyConfig;
}

function parseFlags(argv: string[]): Flags | { help: true } | { error: string } {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string', short: 'f' },
        output: { type: 'string', short: 'o', default: 'text' },
        'docker-host': { type: 'string' },
        ...POLICY_ARGS_OPTIONS,
        'allow-bind': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  }
  if (values.help) return { help: true };
  if (typeof values.file !== 'string' || values.file === '') return { error: 'flag -f/--file is required' };
  if (values.output !== 'text' && values.output !== 'json') {
    return { error: `flag -o/--output: "${String(values.output)}" is not text or json` };
  }
  // --allow-bind: run-once's older spelling of --allow-bind-prefix.
  const legacyBinds = values['allow-bind'] as string[];
  if (legacyBinds.length) {
    values['allow-bind-prefix'] = [
      ...((values['allow-bind-prefix'] as string[] | undefined) ?? []),
      ...legacyBinds,
    ];
  }
  // The outermost layer: policy variables (OFELIA_POLICY, ...) are read as `run` reads them.
  const policy = parsePolicyValues(values, process.env);
  if (!policy.ok) {
    const from = policy.error.source.startsWith('--') ? 'flag ' : '';
    return { error: `${from}${policy.error.message}` };
  }
  return {
    file: values.file,
    output: values.output,
    dockerHost: values['docker-host'] as string | undefined,
    policy: policy.policy,
  };
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if ('help' in flags) {
    process.stdout.write(usage);
    return 0;
  }
  if ('error' in flags) {
    process.stderr.write(`run-once: ${flags.error}\n`);
    return 2;
  }

  const loaded = await loadManifests([flags.file]);
  for (const p of loaded.problems) {
    process.stderr.write(`run-once: ${p.source}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}\n`);
  }
  if (loaded.problems.length) return 2;
  const jobs = loaded.documents.filter((d) => d.object.apiVersion === API_VERSION && d.object.kind === KIND);
  if (jobs.length !== 1) {
    process.stderr.write(`run-once: ${flags.file}: expected exactly one ${KIND}, found ${jobs.length}\n`);
    return 2;
  }
  const checked = validateScheduledDockerJob(jobs[0]!.object);
  if (!checked.ok) {
    for (const c of checked.causes)
      process.stderr.write(`run-once: ${flags.file}: ${c.field || '(root)'}: ${c.message}\n`);
    return 2;
  }
  const job = checked.job;
  const namespace = job.metadata.namespace ?? 'default';
  const secrets = new StaticSecretSource(
    loaded.documents
      .map((d) => d.object as unknown as SecretLikeObject)
      .filter((o) => o.kind === 'Secret' || o.kind === 'ConfigMap'),
    namespace,
  );

  let pool: DockerPool;
  const log = createLogger({ fd: 2, level: 'warn', sync: true, format: 'json' });
  try {
    // The outermost layer: the only place DOCKER_HOST is read.
    pool = new DockerPool([localDaemonConfig(flags.dockerHost ?? process.env.DOCKER_HOST)], {}, { log });
  } catch (e) {
    if (e instanceof DaemonConfigError) {
      process.stderr.write(`run-once: flag --docker-host: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const toStdout = flags.output === 'text';
  const sink: OutputSink = {
    line(_run, stream, line) {
      (stream === 'stdout' && toStdout ? process.stdout : process.stderr).write(`${line}\n`);
    },
  };
  // Its own instance: no operator adopts (or removes as an orphan) a run-once container.
  const runner = new JobRunner({
    pool,
    instance: RUN_ONCE_INSTANCE,
    secrets,
    log,
    policy: flags.policy,
    sink,
  });
  const identity: RunIdentity = {
    namespace,
    jobName: job.metadata.name ?? 'run-once',
    // A fresh uid per invocation: each run-once is its own run, never adopting another's container.
    jobUid: job.metadata.uid ?? randomUUID(),
    scheduledTime: Date.now(),
    attempt: 1,
  };
  const cancel = new AbortController();
  const onSignal = (): void => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let record: RunRecord;
  try {
    record = await runner.run({ identity, trigger: 'Manual', spec: job.spec }, cancel.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    pool.close();
  }
  if (flags.output === 'json') process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else process.stdout.write(summary(record));
  return record.result === 'Succeeded' ? 0 : 1;
}

export function summary(r: RunRecord): string {
  const took =
    r.startTime && r.finishTime
      ? ` in ${((Date.parse(r.finishTime) - Date.parse(r.startTime)) / 1000).toFixed(1)}s`
      : '';
  const lines = [
    `run ${r.name}: ${r.result}${r.exitCode !== undefined ? ` (exit code ${r.exitCode})` : ''}${took}`,
  ];
  if (r.reason) lines.push(`  reason:    ${r.reason}`);
  if (r.message) lines.push(`  message:   ${r.message}`);
  if (r.containerId) lines.push(`  container: ${r.containerId.slice(0, 12)}`);
  return `${lines.join('\n')}\n`;
}
