/**
 * What this replica knows about one job it owns, beyond the cached object: its status as it will
 * be once pending writes land (this replica is the only writer of an owned job's status, so its
 * view is authoritative), the latest scheduled time acted on, active runs, the pending retry and
 * the compiled schedule. One per owned job; dropped when the job is deleted or moves elsewhere.
 */
import type { RunIdentity } from '../api/run-identity.ts';
import type {
  ActiveRun as ActiveRunStatus,
  RunRecord,
  RunTrigger,
  ScheduledDockerJobStatus,
} from '../api/schema.ts';
import type { OutputTails } from '../runner/run-types.ts';
import type { CompiledSchedule } from '../schedule/index.ts';
import type { TimerHandle } from '../util/clock.ts';
import { clone } from '../util/json-values.ts';
import type { FireRequest, UpstreamMarker } from './fire-request.ts';
import type { KeptJob } from './kept-job.ts';

/**
 * The value of `active` and `chainClaims` while a job has none: most jobs, most of the time. An
 * empty Map costs about 180 bytes, so a job allocates its own only for its first entry and drops
 * it with its last. Typed read-only: nothing can add to the shared one.
 */
const NONE: ReadonlyMap<string, never> = new Map<string, never>();

export interface ActiveRun {
  name: string;
  identity: RunIdentity;
  trigger: RunTrigger;
  abort: AbortController;
  /** Settles with the run's record; never rejects. */
  done: Promise<RunRecord>;
  containerId?: string;
  startTime?: number;
  /** The daemon whose slot it holds. */
  daemon: string;
  /** The end of each output stream, handed over by the runner as the run ends. */
  outputTails?: OutputTails;
  /**
   * Adopted after its container had already exited: only its record is being collected (output,
   * exit code, removal), nothing executes any more, so it does not count for concurrencyPolicy.
   */
  collecting?: boolean;
}

export class JobState {
  readonly key: string;
  /** The validated spec (with defaults) and labels of the latest reconcile; undefined while invalid. */
  job: KeptJob | undefined;
  /**
   * The status as this replica will have written it: the one copy of it kept here (the object's
   * own status is read from the informer's cache when needed, never kept).
   */
  status: ScheduledDockerJobStatus;
  /** Latest scheduled time that was run, skipped or counted as missed. */
  lastActedMs: number | undefined;
  private activeRuns: Map<string, ActiveRun> | undefined;
  /** Runs waiting for a slot under the per-daemon limit. */
  queued = 0;
  /** Concurrency Replace: the run to start once the replaced runs have ended (the newest wins). */
  replacement: FireRequest | undefined;
  pendingRetry: { handle: TimerHandle; attempt: number; scheduledMs: number } | undefined;
  /** The spec's schedule compiled for this job (`expression` and `timeZone` say which spec it was). */
  compiled: CompiledSchedule | undefined;
  private claims: Map<string, UpstreamMarker> | undefined;
  /** Upstream jobs of spec.after last reported missing (comma-joined; one Event per change). */
  missingUpstreams = '';
  /** Set once the job is being deleted or released: nothing new may start. */
  closed = false;
  /** This replica's node, recorded on the runs it starts (status active[].node, runs' node). */
  node: string | undefined;

  constructor(
    readonly namespace: string,
    readonly name: string,
    readonly uid: string,
    status: ScheduledDockerJobStatus | undefined,
  ) {
    this.key = `${namespace}/${name}`;
    // JSON-only copy (statuses are JSON): several times cheaper than structuredClone at start-up.
    this.status = clone(status ?? {});
    const last = status?.lastScheduleTime ? Date.parse(status.lastScheduleTime) : Number.NaN;
    this.lastActedMs = Number.isFinite(last) ? last : undefined;
  }

  /** Runs this replica follows for the job, by run name (added and removed by run-tracker.ts). */
  get active(): ReadonlyMap<string, ActiveRun> {
    return this.activeRuns ?? NONE;
  }

  addActive(run: ActiveRun): void {
    this.activeRuns ??= new Map();
    this.activeRuns.set(run.name, run);
  }

  /** Stop following `run` (only if it is still the run of that name). */
  removeActive(run: ActiveRun): void {
    if (this.activeRuns?.get(run.name) !== run) return;
    this.activeRuns.delete(run.name);
    if (this.activeRuns.size === 0) this.activeRuns = undefined;
  }

  /** Chained runs fired by this process, per upstream job, until their start or skip is recorded. */
  get chainClaims(): ReadonlyMap<string, UpstreamMarker> {
    return this.claims ?? NONE;
  }

  claimChain(upstream: string, marker: UpstreamMarker): void {
    this.claims ??= new Map();
    this.claims.set(upstream, marker);
  }

  releaseChainClaim(upstream: string): void {
    if (!this.claims?.delete(upstream)) return;
    if (this.claims.size === 0) this.claims = undefined;
  }

  /** Record that `scheduledMs` was acted on; false if it (or a later time) already was. */
  claim(scheduledMs: number): boolean {
    if (this.lastActedMs !== undefined && scheduledMs <= this.lastActedMs) return false;
    this.lastActedMs = scheduledMs;
    return true;
  }

  /** Runs that still execute (not those only being collected): what concurrencyPolicy weighs. */
  get executingCount(): number {
    let n = 0;
    for (const run of this.active.values()) if (!run.collecting) n++;
    return n;
  }

  /** `status.active` as it should be now, oldest first. */
  activeStatus(): ActiveRunStatus[] {
    return [...this.active.values()]
      .sort((a, b) => a.identity.scheduledTime - b.identity.scheduledTime)
      .map((run) => {
        const entry: ActiveRunStatus = {
          name: run.name,
          scheduledTime: new Date(run.identity.scheduledTime).toISOString(),
        };
        if (run.containerId) entry.containerId = run.containerId;
        if (run.startTime !== undefined) entry.startTime = new Date(run.startTime).toISOString();
        if (this.node) entry.node = this.node;
        return entry;
      });
  }
}
