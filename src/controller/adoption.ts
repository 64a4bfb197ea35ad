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
import { isNominal, mayStillStart } from './run-admission.ts';

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
  /** The cached job of that namespace and name (only leftovers' jobs are looked up, never all). */
  job: (namespace: string, name: string) => JobObject | undefined;
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
  for (const leftover of await source.list(deps.instance)) {
    const identity = leftover.identity;
    // The list is filtered by the daemon already; a source that did not filter must not make
    // this instance remove another's containers.
    if (!identity || leftover.instance !== deps.instance) {
      summary.ignored++;
      continue;
    }
    // A job of that name with another uid is a new job: the leftover's own was deleted.
    const found = deps.job(identity.namespace, identity.jobName);
    const job = found?.metadata?.uid === identity.jobUid ? found : undefined;
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
    // The latest time acted on before this leftover claims its own.
    const actedBefore = state.lastActedMs;
    const created = leftover.state === 'created';
    if (!leftover.running) {
      const known = state.status.recentRuns?.some((r) => r.name === name);
      if (trigger !== 'Manual' && trigger !== 'Retry') state.claim(identity.scheduledTime);
      if (known) {
        // Recorded already (e.g. Unknown, by the replica that took over): never started now.
        if (created) await removeUnstarted(source, leftover, logger, log, 'its run is recorded already');
        continue;
      }
    }
    // Never started (a scheduled or caught-up time): start it only if a fire of its time would
    // start now. Manual, Retry and Chained runs are started as they were meant to be.
    if (created && isNominal(trigger)) {
      const at = identity.scheduledTime;
      const otherNode = state.status.active?.find((a) => a.name === name)?.node;
      const superseded =
        actedBefore !== undefined &&
        (at < actedBefore || (at === actedBefore && otherNode !== undefined && otherNode !== role.nodeName));
      if (superseded) {
        // A later time, or this one on another replica, already ran: a job never runs an older
        // time after a newer one, nor one time twice. Nothing is lost.
        await removeUnstarted(source, leftover, logger, log, 'a later scheduled time was acted on');
        summary.superseded++;
        continue;
      }
      if (!mayStillStart(trigger, at, deps.clock.now(), state.job.spec.startingDeadlineSeconds)) {
        await removeUnstarted(source, leftover, logger, log, 'past its starting deadline');
        dispatcher.missedLeftover(state, identity, trigger);
        summary.missed++;
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

/** Removes a container an earlier process created and never started; a failure is logged. */
async function removeUnstarted(
  source: LeftoverSource,
  leftover: LeftoverContainer,
  logger: Logger,
  log: Record<string, string>,
  why: string,
): Promise<void> {
  try {
    await source.remove(leftover.daemon, leftover.containerId);
    logger.info(log, `removed an unstarted run of an earlier process: ${why}`);
  } catch (error) {
    logger.warn({ ...log, error: String(error) }, `unstarted run of an earlier process (${why}) not removed`);
  }
}
