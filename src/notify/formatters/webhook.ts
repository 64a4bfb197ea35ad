/**
 * Generic webhook: POST the notification as JSON (`{"version":1, "event", "namespace", "job",
 * "run", "trigger", "result", "reason", "exitCode", "durationMs", times, "outputTail",
 * "dashboardUrl", "suppressed"}`), for receivers of one's own.
 */

import type { Notification } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json } from './http-request.ts';

export function formatWebhook(n: Notification, target: DeliveryTarget): HttpRequest {
  // The streams apart are for the save files; the JSON carries the one tail.
  const { atMs: _at, stdoutTail: _out, stderrTail: _err, ...fields } = n;
  return {
    method: 'POST',
    url: target.address,
    ...json({ version: 1, ...fields, time: new Date(n.atMs).toISOString() }),
  };
}
