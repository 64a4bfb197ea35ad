/**
 * ntfy: POST the plain text to the topic URL, with the message's metadata in ntfy's headers:
 * `Title`, `Priority` (5 = urgent for failures, 3 = default otherwise), `Tags` (emoji short
 * codes), `Click` (the dashboard link). Header values are kept to ASCII (ntfy reads them as such).
 */
import type { Notification } from '../notification.ts';
import { headline, isBad, textLines } from '../notification.ts';
import type { DeliveryTarget, HttpRequest } from './http-request.ts';

const ascii = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

export function formatNtfy(n: Notification, target: DeliveryTarget): HttpRequest {
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    title: ascii(headline(n)).slice(0, 250),
    priority: isBad(n) ? '5' : '3',
    tags: isBad(n)
      ? 'rotating_light,ofelia'
      : n.event === 'Started'
        ? 'arrow_forward,ofelia'
        : 'white_check_mark,ofelia',
  };
  if (n.dashboardUrl) headers.click = n.dashboardUrl;
  return {
    method: 'POST',
    url: target.address,
    headers,
    body: textLines(n).slice(1).join('\n') || headline(n),
  };
}
