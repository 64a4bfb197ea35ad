/**
 * Gotify: POST `{title, message, priority, extras}` to the server's `/message` URL with the
 * application token (Secret key `token`) in `X-Gotify-Key`; markdown rendering and the dashboard
 * link as a click action in `extras`.
 */
import type { Notification } from '../notification.ts';
import { headline, isBad, textLines } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json } from './http-request.ts';

export function formatGotify(n: Notification, target: DeliveryTarget): HttpRequest {
  const extras: Record<string, unknown> = { 'client::display': { contentType: 'text/plain' } };
  if (n.dashboardUrl) extras['client::notification'] = { click: { url: n.dashboardUrl } };
  const { headers, body } = json({
    title: headline(n),
    message: textLines(n).slice(1).join('\n'),
    priority: isBad(n) ? 8 : 4,
    extras,
  });
  const token = target.credentials.token;
  if (token) headers['x-gotify-key'] = token;
  return { method: 'POST', url: target.address, headers, body };
}
