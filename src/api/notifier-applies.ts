/**
 * Which JobNotifiers apply to a job, and on which run events: the one decision the notifier
 * controller (notify/) makes for every run event and the dashboard's job page shows ("notifiers
 * that apply"), kept here so the two can never disagree.
 *
 * In: the job's labels and `spec.notifications`, and a valid notifier of the job's namespace
 * (its name and spec). Out: whether it applies and why (its jobSelector selects the job, or the
 * job names it in `spec.notifications.notifiers`), or why not (the job opted out, or it is not
 * selected). Pure; the namespace check is the caller's (notifiers never cross namespaces).
 */
import { matchesSelector } from './label-selector.ts';
import type { JobNotifierSpec, NotifyEvent } from './notifier-schema.ts';

/** Events of a notifier without `events`. */
export const DEFAULT_EVENTS: readonly NotifyEvent[] = ['Failed', 'Recovered'];
/** healthchecks pings on start, success and failure unless told otherwise. */
export const HEALTHCHECKS_EVENTS: readonly NotifyEvent[] = ['Started', 'Succeeded', 'Failed'];

/** What of a job the decision reads (a ScheduledDockerJob's labels and spec.notifications). */
export interface JobNotifyFacts {
  labels?: Readonly<Record<string, string>>;
  notifications?: { enabled?: boolean; notifiers?: readonly string[] };
}

export type NotifierApplies =
  | { applies: true; via: 'named' | 'selector' }
  | { applies: false; why: 'opted-out' | 'not-selected' };

export function notifierApplies(
  job: JobNotifyFacts,
  notifier: { name: string; spec: Pick<JobNotifierSpec, 'jobSelector'> },
): NotifierApplies {
  if (job.notifications?.enabled === false) return { applies: false, why: 'opted-out' };
  if ((job.notifications?.notifiers ?? []).includes(notifier.name)) return { applies: true, via: 'named' };
  if (matchesSelector(notifier.spec.jobSelector, job.labels)) return { applies: true, via: 'selector' };
  return { applies: false, why: 'not-selected' };
}

/** The run events a notifier fires on: its `events`, or its type's default. */
export function notifierEvents(spec: Pick<JobNotifierSpec, 'type' | 'events'>): readonly NotifyEvent[] {
  return spec.events ?? (spec.type === 'healthchecks' ? HEALTHCHECKS_EVENTS : DEFAULT_EVENTS);
}
