/**
 * "Notifiers that apply" on a job page: the JobNotifiers of the job's namespace that would send
 * word about its runs, read with the user's own token.
 *
 * In: the job object and the namespace's JobNotifiers as the API server returned them. Out, per
 * notifier that applies (the notifier controller's own decision, api/notifier-applies.ts): its
 * name, type, events, why it applies, its Ready condition and its last delivery (time, result,
 * error, counters). Never out: an address, a header, a Secret's name or key, an e-mail recipient,
 * a folder — nothing of the spec but type, events and the selection. Notifiers whose spec is
 * invalid notify no one (the controller skips them) and are only counted.
 * A user who may not list JobNotifiers gets `{ readable: false }` with the API server's message,
 * not an error: the rest of the page is theirs to see.
 */

import { notifierApplies, notifierEvents } from '../api/notifier-applies.ts';
import { NOTIFIER_PLURAL, type NotifyEvent } from '../api/notifier-schema.ts';
import { GROUP, VERSION } from '../api/schema.ts';
import { validateJobNotifier } from '../api/validate-notifier.ts';
import type { UserKube } from './user-kube.ts';

/** At most this many notifiers are read per namespace (one page; the rest are counted as unread). */
const MAX_NOTIFIERS = 500;
const MAX_TEXT = 1024;

export interface NotifierView {
  name: string;
  type: string;
  events: readonly NotifyEvent[];
  /** named: the job lists it in spec.notifications.notifiers; selector: its jobSelector selects the job. */
  via: 'named' | 'selector';
  ready: { status: string; reason: string; message: string };
  lastDeliveryTime?: string;
  lastDeliveryResult?: string;
  lastError?: string;
  counters?: Record<string, number>;
}

export type JobNotifiers =
  | {
      readable: true;
      /** The job turned notifications off (spec.notifications.enabled: false). */
      optedOut: boolean;
      applying: NotifierView[];
      /** Notifiers of the namespace with an invalid spec (they notify no job). */
      invalid: number;
      /** More notifiers than one page: the rest were not looked at. */
      truncated: boolean;
    }
  | { readable: false; status: number; message: string };

type Obj = Record<string, unknown>;

/** The pure part: which of `items` apply to `job`, as views without addresses or secrets. */
export function notifiersOfJob(job: Obj, items: readonly Obj[], truncated = false): JobNotifiers {
  const meta = (job.metadata ?? {}) as Obj;
  const spec = (job.spec ?? {}) as Obj;
  const notifications = spec.notifications as { enabled?: boolean; notifiers?: string[] } | undefined;
  const facts = { labels: (meta.labels ?? {}) as Record<string, string>, notifications };
  const applying: NotifierView[] = [];
  let invalid = 0;
  for (const item of items) {
    const valid = validateJobNotifier(item);
    if (!valid.ok) {
      invalid++;
      continue;
    }
    const n = valid.notifier;
    const decision = notifierApplies(facts, { name: n.metadata.name ?? '', spec: n.spec });
    if (!decision.applies) continue;
    const status = n.status ?? {};
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    const view: NotifierView = {
      name: n.metadata.name ?? '',
      type: n.spec.type,
      events: notifierEvents(n.spec),
      via: decision.via,
      ready: {
        status: ready?.status ?? 'Unknown',
        reason: ready?.reason ?? 'Pending',
        message: (ready?.message ?? '').slice(0, MAX_TEXT),
      },
    };
    if (status.lastDeliveryTime) view.lastDeliveryTime = status.lastDeliveryTime;
    if (status.lastDeliveryResult) view.lastDeliveryResult = status.lastDeliveryResult;
    if (status.lastError) view.lastError = status.lastError.slice(0, MAX_TEXT);
    if (status.counters) view.counters = { ...status.counters };
    applying.push(view);
  }
  applying.sort((a, b) => a.name.localeCompare(b.name));
  return { readable: true, optedOut: notifications?.enabled === false, applying, invalid, truncated };
}

/** Lists the namespace's JobNotifiers with the user's token and decides for `job`. */
export async function readJobNotifiers(kube: UserKube, namespace: string, job: Obj): Promise<JobNotifiers> {
  const r = await kube.request<Obj>(
    'GET',
    `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${NOTIFIER_PLURAL}?limit=${MAX_NOTIFIERS}`,
  );
  if (r.status !== 200) {
    const message =
      typeof r.body.message === 'string' ? r.body.message : `the API server answered ${r.status}`;
    return { readable: false, status: r.status, message: message.slice(0, MAX_TEXT) };
  }
  const meta = (r.body.metadata ?? {}) as Obj;
  return notifiersOfJob(
    job,
    (r.body.items ?? []) as Obj[],
    typeof meta.continue === 'string' && meta.continue !== '',
  );
}
