/**
 * Adoption of containers left by an earlier process of this operator INSTANCE (a crash, SIGKILL,
 * an upgrade, a leadership hand-over), run before this replica starts scheduling the jobs
 * concerned. Only containers labelled with this instance are listed: another operator sharing the
 * daemon (with its own API server, so its jobs are unknown here) keeps its runs.
 * Of this instance's containers:
 * - a RUNNING container of a job this replica owns is adopted: followed to its end and recorded,
 *   and its scheduled time counts as acted on, so it is never started a second time;
 * - an EXITED one whose run is not in the job's recentRuns yet is adopted too (its record is
 *   collected, the container removed per the job's remove policy); it does not count as an
 *   active run for concurrencyPolicy: collecting it (slow on a loaded daemon) must not make a
 *   Forbid job skip its catch-up and next times, as a replica that rejoins a cluster would;
 * - a CREATED container (the earlier process died between create and start) is started, as the run
 *   it was meant to be, when a fire of its time would start now: within the job's
 *   startingDeadlineSeconds, and not older than a time already acted on. Past the deadline it is
 *   removed and the time recorded as Missed, as a late fire would be; older than a time already
 *   run (by another replica meanwhile) it is removed: a job never runs an older time after a
 *   newer one;
 * - a container of a job that no longer exists (its uid is not in the cache) is an orphan: removed
 *   (force), by the replica that runs unplaced jobs only, so two replicas never both decide it.
 * Containers without a complete run identity in their labels are not ours to touch.
 */
import { runName } from '../api/run-identity.ts';
import type { DockerPool } from '../docker/pool.ts';
import type { JobObject } from '../kube/job-api.ts';
import type { Logger } from '../log/logger.ts';
import { findLeftovers, type LeftoverContainer } from '../runner/leftovers.ts';
import type { Clock } from '../util/clock.ts';
import type { Dispatcher } from './dispatcher.ts';
import { type JobController, keyOf } from './job-controller.ts';
import { ownsJob, type ReplicaRole } from './placement.ts';
import { mayStillStart } from './run-admission.ts';

export interface LeftoverSource {
  /** The containers of operator instance `instance` (and of no other). */
  list(instance: string): Promise<LeftoverContainer[]>;
  /** Remove a container (force: a running one is killed first). */
  remove(daemon: string, containerId: string): Promise<void>;
}

/** Leftovers on every daemon of the pool. */
export function poolLeftoverSource(pool: DockerPool): LeftoverSource {
  return {
    list: (instance) =>
      findLeftovers(
        pool.names().map((name) => pool.get(name)),
        instance,
      ),
    remove: (daemon, containerId) => pool.get(daemon).removeContainer(containerId, { force: true }),
  };
}

export interface AdoptionDeps {
  source: LeftoverSource;
  /** This operator instance: the only one whose containers are adopted or removed. */
  instance: string;
  jobs: ReadonlyArray<JobObject>;
  controller: JobController;
  dispatcher: Dispatcher;
  role: ReplicaRole;
  clock: Clock;
  logger: Logger;
  /** Remove containers of deleted jobs (default), or keep them (to inspect them by hand). */
  orphans?: 'remove' | 'keep';
}

export interface AdoptionSummary {
  adopted: number;
  /** Created, never started, and past the starting deadline: removed and recorded as Missed. */
  missed: number;
  /** Created, never started, and older than a time already acted on: removed (nothing to record). */
  superseded: number;
  orphansRemoved: number;
  ignored: number;
}

export async function adoptLeftovers(deps: AdoptionDeps): Promise<AdoptionSummary> {
  const { source, controller, dispatcher, role, logger } = deps;
  const summary: AdoptionSummary = { adopted: 0, missed: 0, superseded: 0, orphansRemoved: 0, ignored: 0 };
  const byUid = new Map<string, JobObject>();
  for (const job of deps.jobs) if (job.metadata?.uid) byUid.set(job.metadata.uid, job);
  for (const leftover of await source.list(deps.instance)) {
    const identity = leftover.identity;
    // The list is filtered by the daemon already; a source that did not filter must not make
    // this instance remove another's containers.
    if (!identity || leftover.instance !== deps.instance) {
      summary.ignored++;
      continue;
    }
    const job = byUid.get(identity.jobUid);
    const log = {
      container: leftover.name,
      daemon: leftover.daemon,
      job: `${identity.namespace}/${identity.jobName}`,
    };
    if (!job || job.metadata?.deletionTimestamp) {
      if (role.leads && !job && deps.orphans !== 'keep') {
        try {
          await source.remove(leftover.daemon, leftover.containerId);
          summary.orphansRemoved++;
          logger.info(log, 'removed the container of a deleted job');
        } catch (error) {
          logger.warn({ ...log, error: String(error) }, 'orphan container not removed');
        }
      }
      continue;
    }
    const placement = (job.spec as { placement?: { nodeName?: string } } | undefined)?.placement;
    if (!ownsJob(placement, role, identity.jobUid)) continue;
    const state = controller.ensureState(keyOf(identity.namespace, identity.jobName), job);
    if (!state.job) {
      summary.ignored++;
      continue;
    }
    const name = runName(identity);
    const trigger = leftover.trigger ?? 'Schedule';
    const nominal = trigger !== 'Manual' && trigger !== 'Retry';
    // false: this time or a later one was acted on already (here, or by the job's previous owner).
    let first = true;
    if (!leftover.running) {
      const known = state.status.recentRuns?.some((r) => r.name === name);
      if (nominal) first = state.claim(identity.scheduledTime);
      if (known) continue;
    }
    if (leftover.state === 'created') {
      // Never started: start it only if a fire of its time would start now.
      const superseded = !first;
      const late = !mayStillStart(
        trigger,
        identity.scheduledTime,
        deps.clock.now(),
        state.job.spec.startingDeadlineSeconds,
      );
      if (superseded || late) {
        try {
          await source.remove(leftover.daemon, leftover.containerId);
        } catch (error) {
          logger.warn(
            { ...log, error: String(error) },
            'unstarted container of an earlier process not removed',
          );
        }
        if (superseded) {
          // A later time already ran (a job runs its times in order; no time is lost).
          summary.superseded++;
          logger.info(
            { ...log, run: name },
            'removed an unstarted run of an earlier process: a later scheduled time was acted on',
          );
        } else {
          dispatcher.missedLeftover(state, identity, trigger);
          summary.missed++;
          logger.info(
            { ...log, run: name },
            'removed an unstarted run of an earlier process: past its starting deadline',
          );
        }
        continue;
      }
    }
    // An exited (or dead) container is only collected: it keeps no time of the job from running.
    const ended = leftover.state === 'exited' || leftover.state === 'dead';
    dispatcher.adopt(state, leftover.containerId, leftover.daemon, identity, trigger, { ended });
    summary.adopted++;
    logger.info({ ...log, run: name, running: leftover.running }, 'adopted a run of an earlier process');
  }
  return summary;
}
