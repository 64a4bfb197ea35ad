/**
 * The labels and annotations imported objects carry: where they came from, and the job labels
 * that imported JobNotifiers select on (which jobs have their own notifier of a middleware, which
 * jobs name a fork webhook). One place, so the notifiers' selectors and the jobs' labels agree.
 */
import { kubeName } from './names.ts';

/** Every imported object: `ofelia-ini`, `docker` (a one-off import) or `docker-labels` (the live source). */
export const IMPORT_LABEL = 'ofelia.dev/imported-from';
export const OFELIA_JOB_ANNOTATION = 'ofelia.dev/ofelia-job';
export const OFELIA_SOURCE_ANNOTATION = 'ofelia.dev/ofelia-source';

/**
 * On a job with its own slack, mail or save middleware: the name of its own JobNotifier. The
 * [global] middleware's notifier selects the imported jobs without this label, so a job's own
 * middleware replaces the global one for it, as in Ofelia.
 */
export function ownNotifierLabel(middleware: 'slack' | 'mail' | 'save'): string {
  return `ofelia.dev/notifier-${middleware}`;
}

/** On a job whose `webhooks` names the fork's [webhook "NAME"]: `true`. */
export function webhookLabel(webhook: string): string {
  return `ofelia.dev/webhook-${kubeName(webhook)}`;
}
