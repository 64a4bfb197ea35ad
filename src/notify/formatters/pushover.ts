/**
 * Pushover: POST `{token, user, title, message, priority, url, url_title, timestamp}` as JSON to
 * the messages API (Secret keys `token` and `user`). Pushover limits the message to 1024
 * characters and the title to 250.
 */
import type { Notification } from '../notification.ts';
import { headline, isBad, textLines } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json, keepEnd } from './http-request.ts';

export function formatPushover(n: Notification, target: DeliveryTarget): HttpRequest {
  const body: Record<string, unknown> = {
    token: target.credentials.token ?? '',
    user: target.credentials.user ?? '',
    title: keepEnd(headline(n), 250),
    message: keepEnd(textLines(n).slice(1).join('\n') || headline(n), 1024),
    priority: isBad(n) ? 1 : 0,
    timestamp: Math.floor(n.atMs / 1000),
  };
  if (n.dashboardUrl) {
    body.url = n.dashboardUrl;
    body.url_title = 'Dashboard';
  }
  return { method: 'POST', url: target.address, ...json(body) };
}
