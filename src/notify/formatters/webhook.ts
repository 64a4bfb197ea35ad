/**
 * Generic webhook: POST the notification as JSON (`{"version":1, "event", "namespace", "job",
 * "run", "trigger", "result", "reason", "exitCode", "durationMs", times, "outputTail",
 * "dashboardUrl", "suppressed"}`), for receivers of one's own.
 */

import type { Notification } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json } from './http-request.ts';

export function formatWebhook(n: Notification, target: DeliveryTarget): HttpRequest {
  const { atMs: _at, ...fields } = n;
  return {
    method: 'POST',
    url: target.address,
    ...json({ version: 1, ...fields, time: new Date(n.atMs).toISOString() }),
  };
}
