/**
 * healthchecks.io (and compatible): pings on the check's URL — `<url>/start` when a run starts,
 * `<url>` when it succeeds, `<url>/fail` when it fails or a run is missed or skipped — with the
 * message text (and output tail) as the body, which healthchecks shows as the ping's log.
 */
import type { Notification } from '../notification.ts';
import { isBad, textLines } from '../notification.ts';
import type { DeliveryTarget, HttpRequest } from './http-request.ts';

export function formatHealthchecks(n: Notification, target: DeliveryTarget): HttpRequest {
  const base = target.address.replace(/\/+$/, '');
  const url = n.event === 'Started' ? `${base}/start` : isBad(n) ? `${base}/fail` : base;
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: textLines(n).join('\n'),
  };
}
