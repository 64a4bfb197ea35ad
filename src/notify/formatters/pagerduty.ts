/**
 * PagerDuty Events API v2: a `trigger` for bad events and a `resolve` for good ones, with one
 * dedup key per job (`ofelia/<namespace>/<job>`), so a job's failures group into one incident
 * that its next success resolves. Routing key from the Secret key `routingKey`.
 */
import type { Notification } from '../notification.ts';
import { headline, isBad } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json, keepEnd } from './http-request.ts';

export const pagerDutyDedupKey = (n: Pick<Notification, 'namespace' | 'job'>): string =>
  `ofelia/${n.namespace}/${n.job}`;

export function formatPagerDuty(n: Notification, target: DeliveryTarget): HttpRequest {
  const bad = isBad(n);
  const body: Record<string, unknown> = {
    routing_key: target.credentials.routingKey ?? '',
    event_action: bad ? 'trigger' : 'resolve',
    dedup_key: pagerDutyDedupKey(n),
  };
  if (bad) {
    const details: Record<string, unknown> = {
      run: n.run,
      trigger: n.trigger,
      result: n.result,
      reason: n.reason,
      message: n.message,
      exitCode: n.exitCode,
      durationMs: n.durationMs,
      scheduledTime: n.scheduledTime,
      suppressed: n.suppressed,
    };
    if (n.outputTail) details.outputTail = keepEnd(n.outputTail, 4000);
    body.payload = {
      summary: keepEnd(headline(n), 1024),
      source: `${n.namespace}/${n.job}`,
      severity: n.event === 'Failed' ? 'error' : 'warning',
      timestamp: new Date(n.atMs).toISOString(),
      component: n.job,
      group: n.namespace,
      class: n.event,
      custom_details: details,
    };
    if (n.dashboardUrl) body.links = [{ href: n.dashboardUrl, text: 'Dashboard' }];
  }
  return { method: 'POST', url: target.address, ...json(body) };
}
