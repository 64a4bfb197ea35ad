/**
 * The runner: one run of a ScheduledDockerJob, end to end, on the daemon of its placement.
 *
 * In: a RunRequest (run identity, trigger, spec), an AbortSignal (cancellation: job deleted,
 * Replace policy, shutdown) and optional hooks (started, output lines). Out: always a RunRecord —
 * `run` and `adopt` never reject; every outcome (Succeeded, Failed, DeadlineExceeded, Cancelled,
 * ImagePullFailed, ContainerNotFound, DaemonUnavailable, PolicyDenied, Error) is a record with a
 * CamelCase reason and a message.
 * Never: holds a run's full output (a bounded tail only; lines go to the OutputSink), creates,
 * starts or execs anything for a spec the security policy (policy/) denies (only the read-only
 * look-ups the policy needs are made first), puts secret values in logs or records, retries (the
 * controller decides retries).
 */
import { type RunIdentity, runName } from '../api/run-identity.ts';
import type { RunRecord, RunSpec } from '../api/schema.ts';
import type { DaemonClient } from '../docker/daemon-client.ts';
import type { ContainerInspect } from '../docker/engine-types.ts';
import {
  DaemonUnavailableError,
  DockerApiError,
  DockerTimeoutError,
  DockerTransportError,
  isNotFound,
} from '../docker/errors.ts';
import { type DockerPool, UnknownDaemonError } from '../docker/pool.ts';
import type { Logger } from '../log/logger.ts';
import type { RunKind, RunMetrics } from '../metrics/run-metrics.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import {
  continueContainer,
  inspectContainer,
  runContainer,
  startExistingContainer,
} from './container-run.ts';
import { runExec } from './exec-run.ts';
import { runLocal } from './local-run.ts';
import { DEFAULT_MAX_LINE_CHARS, DEFAULT_TAIL_BYTES } from './output-capture.ts';
import { LoggerOutputSink, type OutputSink } from './output-sink.ts';
import { containerFacts } from './policy/docker-facts.ts';
import {
  DEFAULT_POLICY,
  ExecTargetNotFound,
  evaluatePolicy,
  gatherPolicyFacts,
  type HostPaths,
  localHostPaths,
  NO_FACTS,
  type PolicyDecision,
  type PolicyFacts,
  policyDocker,
  type SecurityPolicy,
  STATIC_RULES,
} from './policy/index.ts';
import { bindAllowed } from './policy/rules/bind-mounts.ts';
import { containerOptedIn, optInHint } from './policy/rules/opt-in.ts';
import {
  checkHostAccess,
  checkVolumesFromMounts,
  DEFAULT_HOST_ACCESS_POLICY,
  type HostAccessPolicy,
  type SourceMount,
} from './policy-host-access.ts';
import { notifyOutputTails, type RunContext } from './run-context.ts';
import { RunFailure } from './run-failure.ts';
import type { RunHooks, RunOutcome, RunRequest } from './run-types.ts';
import type { SecretSource } from './secret-source.ts';

export type { RunHooks, RunOutcome, RunRequest } from './run-types.ts';

export interface JobRunnerOptions {
  pool: DockerPool;
  /**
   * The operator instance (see run-identity.ts): every container is labelled with it and carries
   * its digest in the name; only leftovers of this instance are this runner's to adopt.
   */
  instance: string;
  secrets: SecretSource;
  log: Logger;
  policy?: SecurityPolicy;
  /** Where bind sources are resolved (default: this process's filesystem). */
  hostPaths?: HostPaths;
  /** Where output lines go (default: the logger, at info). */
  sink?: OutputSink;
  metrics?: RunMetrics;
  clock?: Clock;
  /** Bytes of output kept for the record's logTail (default 16 KiB). */
  tailBytes?: number;
  /** Longest line handed to the sink; longer ones are split (default 16 Ki characters). */
  maxLineChars?: number;
  /** How long output is still read after the container exits (default 5 s). */
  drainGraceMs?: number;
  /** How long to wait for the exit after SIGKILL before giving up on a container (default 30 s). */
  killGraceMs?: number;
  /** Policy of the Ofelia-derived job options (local jobs); default: local jobs refused. */
  hostAccess?: HostAccessPolicy;
  /** PATH given to local jobs (default: a standard system PATH). */
  localPath?: string;
}

export class JobRunner {
  private readonly clock: Clock;
  private readonly policy: SecurityPolicy;
  private readonly sink: OutputSink;
  private readonly hostAccess: HostAccessPolicy;

  constructor(private readonly opts: JobRunnerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.policy = opts.policy ?? DEFAULT_POLICY;
    this.sink = opts.sink ?? new LoggerOutputSink(opts.log);
    this.hostAccess = opts.hostAccess ?? DEFAULT_HOST_ACCESS_POLICY;
  }

  /** Runs the job once. Never rejects. */
  run(req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.guarded(req, signal, hooks, async (ctx) => {
      const question = { spec: req.spec, namespace: req.identity.namespace, policy: this.policy };
      // What the spec alone denies costs no Docker call; the rest needs the facts.
      throwIfDenied(evaluatePolicy({ ...question, facts: NO_FACTS }, STATIC_RULES));
      // Local jobs are host access: the operator's flag decides, at every policy level.
      const hostAccess = checkHostAccess(req.spec, this.hostAccess);
      if (hostAccess) throw new RunFailure('PolicyDenied', hostAccess.reason, hostAccess.message);
      if (req.spec.local) return runLocal(ctx(), req.spec.local, this.opts.localPath);
      const c = ctx();
      const facts = await this.facts(c, req);
      throwIfDenied(evaluatePolicy({ ...question, facts }));
      if (req.spec.run) {
        await this.checkVolumesFrom(c, req.spec.run.volumesFrom);
        return runContainer(c, withCheckedTargets(req.spec.run, facts));
      }
      if (req.spec.exec && facts.execTarget) return runExec(c, req.spec.exec, facts.execTarget);
      if (req.spec.start) {
        // Started by the id that was checked, not by a name that could point elsewhere a moment later.
        const id = await this.checkStartTarget(c, req.spec.start.container, req.identity.namespace);
        return startExistingContainer(c, { container: id ?? req.spec.start.container });
      }
      throw new RunFailure(
        'Error',
        'InvalidSpec',
        'spec: exactly one of run, exec, start and local is required',
      );
    });
  }

  /**
   * Finishes a run whose container already exists (found by leftovers.ts after a restart):
   * follows it if it runs, collects its exit code if it ended, removes it per policy. Never rejects.
   */
  adopt(containerId: string, req: RunRequest, signal: AbortSignal, hooks?: RunHooks): Promise<RunRecord> {
    return this.guarded(req, signal, hooks, async (ctx) => {
      const c = ctx();
      try {
        return await continueContainer(c, req.spec.run, await inspectContainer(c, containerId));
      } catch (e) {
        if (isNotFound(e))
          throw new RunFailure('ContainerNotFound', 'ContainerNotFound', e.message, { containerId });
        throw e;
      }
    });
  }

  // ---- policy of the job options carried over from Ofelia (policy-host-access.ts) ----------------

  /** run.volumesFrom: every bind mount of each source must pass the bind allow-list (not at the privileged level). */
  private async checkVolumesFrom(ctx: RunContext, volumesFrom: readonly string[] | undefined): Promise<void> {
    if (this.policy.level === 'privileged') return;
    for (let i = 0; i < (volumesFrom?.length ?? 0); i++) {
      const [container = '', mode] = volumesFrom![i]!.split(':');
      let mounts: SourceMount[];
      try {
        const info = await ctx.daemon.call('container.inspect', () =>
          ctx.daemon.docker.getContainer(container).inspect(),
        );
        mounts = (info.Mounts as SourceMount[] | undefined) ?? [];
      } catch (e) {
        if (isNotFound(e)) {
          throw new RunFailure(
            'ContainerNotFound',
            'VolumesFromContainerNotFound',
            `spec.run.volumesFrom[${i}]: no container ${container}`,
          );
        }
        throw e;
      }
      const violation = checkVolumesFromMounts(i, container, mounts, mode === 'ro', this.policy, bindAllowed);
      if (violation) throw new RunFailure('PolicyDenied', violation.reason, violation.message);
    }
  }

  /** spec.start: the container must opt in as an exec target does (not at the privileged level); its id. */
  private async checkStartTarget(
    ctx: RunContext,
    container: string,
    namespace: string,
  ): Promise<string | undefined> {
    if (this.policy.level === 'privileged') return undefined;
    let info: ContainerInspect;
    try {
      info = await inspectContainer(ctx, container);
    } catch (e) {
      if (isNotFound(e)) throw new RunFailure('ContainerNotFound', 'ContainerNotFound', e.message);
      throw e;
    }
    const target = containerFacts(info);
    if (containerOptedIn(target, namespace, this.policy)) return info.Id;
    throw new RunFailure(
      'PolicyDenied',
      'StartTargetNotOptedIn',
      `spec.start.container: starting ${optInHint(target, namespace)}; it is not allowed by the operator's security policy`,
    );
  }

  private async facts(c: RunContext, req: RunRequest): Promise<PolicyFacts> {
    try {
      return await gatherPolicyFacts(
        req.spec,
        this.policy,
        policyDocker(c.daemon),
        this.opts.hostPaths ?? localHostPaths,
      );
    } catch (e) {
      if (e instanceof ExecTargetNotFound)
        throw new RunFailure('ContainerNotFound', 'ContainerNotFound', e.message);
      throw e;
    }
  }

  private async guarded(
    req: RunRequest,
    signal: AbortSignal,
    hooks: RunHooks | undefined,
    body: (ctx: () => RunContext) => Promise<RunOutcome>,
  ): Promise<RunRecord> {
    const kind: RunKind = req.spec.exec && !req.spec.run ? 'exec' : 'run';
    // (start and local runs are counted as 'run': the metric's kind label stays two-valued)
    const log = this.opts.log.child({
      namespace: req.identity.namespace,
      job: req.identity.jobName,
      run: runName(req.identity),
      scheduledTime: new Date(req.identity.scheduledTime).toISOString(),
    });
    const started = performance.now();
    let outcome: RunOutcome;
    let made: RunContext | undefined;
    try {
      outcome = await body(() => {
        made = this.context(req, signal, hooks, log);
        return made;
      });
    } catch (e) {
      outcome = classify(e, signal);
    }
    if (made) notifyOutputTails(made);
    this.opts.metrics?.runs.inc({ result: outcome.result, kind });
    this.opts.metrics?.duration.observe(
      { result: outcome.result, kind },
      (performance.now() - started) / 1000,
    );
    const record = toRecord(req, outcome, this.clock.now());
    const fields = {
      result: record.result,
      reason: record.reason,
      exitCode: record.exitCode,
      containerId: record.containerId,
    };
    if (record.result === 'Succeeded') log.info(fields, 'run finished');
    else log.warn({ ...fields, message: record.message }, 'run finished');
    return record;
  }

  private context(
    req: RunRequest,
    signal: AbortSignal,
    hooks: RunHooks | undefined,
    log: Logger,
  ): RunContext {
    let daemon: DaemonClient;
    try {
      daemon = this.opts.pool.get(req.spec.placement?.daemon);
    } catch (e) {
      if (e instanceof UnknownDaemonError)
        throw new RunFailure('Error', 'UnknownDaemon', `spec.placement.daemon: ${e.message}`);
      throw e;
    }
    return {
      daemon,
      instance: this.opts.instance,
      req,
      signal,
      hooks,
      secrets: this.opts.secrets,
      sink: this.sink,
      clock: this.clock,
      log,
      metrics: this.opts.metrics,
      tailBytes: this.opts.tailBytes ?? DEFAULT_TAIL_BYTES,
      maxLineChars: this.opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS,
      drainGraceMs: this.opts.drainGraceMs ?? 5_000,
      killGraceMs: this.opts.killGraceMs ?? 30_000,
    };
  }
}

function throwIfDenied(decision: PolicyDecision): void {
  if (!decision.allowed) {
    throw new RunFailure('PolicyDenied', decision.denial.reason, decision.denial.message);
  }
}

/**
 * The run spec with what the policy checked in place of what the spec names: each bind source
 * with its symlinks resolved, and a network container by the id that was checked, so the daemon
 * uses what was allowed, not what a symlink or a container name leads to a moment later.
 */
function withCheckedTargets(run: RunSpec, facts: PolicyFacts): RunSpec {
  let checked = run;
  if (run.volumes?.some((v) => v.type === 'bind')) {
    checked = {
      ...checked,
      volumes: run.volumes.map((v) => {
        const fact = v.type === 'bind' ? facts.bindSources.get(v.source) : undefined;
        return fact && 'resolved' in fact ? { ...v, source: fact.resolved } : v;
      }),
    };
  }
  if (run.network?.startsWith('container:') && facts.networkContainer) {
    checked = { ...checked, network: `container:${facts.networkContainer.id}` };
  }
  return checked;
}

/** Maps an error that ended a run early to its outcome. */
export function classify(e: unknown, signal?: AbortSignal): RunOutcome {
  if (e instanceof RunFailure) {
    return { result: e.result, reason: e.reason, message: e.message, ...e.details };
  }
  if (e instanceof DaemonUnavailableError) {
    return { result: 'DaemonUnavailable', reason: 'DaemonUnavailable', message: e.message };
  }
  if (e instanceof DockerTimeoutError || e instanceof DockerTransportError) {
    return { result: 'DaemonUnavailable', reason: e.reason, message: e.message };
  }
  if ((e as Error)?.name === 'AbortError' || (signal?.aborted && !(e instanceof DockerApiError))) {
    return { result: 'Cancelled', reason: 'Cancelled', message: 'run cancelled' };
  }
  if (e instanceof DockerApiError) {
    return { result: 'Error', reason: e.reason, message: `${e.operation}: ${e.message}` };
  }
  return { result: 'Error', reason: 'InternalError', message: (e as Error)?.message ?? String(e) };
}

export function toRecord(req: RunRequest, o: RunOutcome, finishTime: number): RunRecord {
  const id: RunIdentity = req.identity;
  const record: RunRecord = {
    name: runName(id),
    trigger: req.trigger,
    attempt: id.attempt,
    scheduledTime: new Date(id.scheduledTime).toISOString(),
    finishTime: new Date(finishTime).toISOString(),
    result: o.result,
    reason: o.reason,
  };
  if (o.startTime !== undefined) record.startTime = new Date(o.startTime).toISOString();
  if (o.exitCode !== undefined) record.exitCode = o.exitCode;
  if (o.message) record.message = o.message;
  if (o.logTail) record.logTail = o.logTail;
  if (o.containerId) record.containerId = o.containerId;
  return record;
}
