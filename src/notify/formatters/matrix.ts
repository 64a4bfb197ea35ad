/**
 * Matrix client-server API: `PUT <address>/<txnId>` where the address is the room's send URL
 * (`https://HOST/_matrix/client/v3/rooms/ROOM_ID/send/m.room.message`), an `m.text` event with
 * a plain body and an HTML `formatted_body`, authorized by the Secret's `accessToken`. The
 * transaction id is derived from the notifier, run and event, so a retried delivery is
 * deduplicated by the homeserver instead of posted twice.
 */
import { createHash } from 'node:crypto';
import type { Notification } from '../notification.ts';
import { headline, textLines } from '../notification.ts';
import { type DeliveryTarget, escapeAngle, type HttpRequest, json } from './http-request.ts';

export function formatMatrix(n: Notification, target: DeliveryTarget): HttpRequest {
  const txn = createHash('sha256')
    .update(
      `${target.notifier}\u0000${n.namespace}/${n.job}\u0000${n.run ?? n.scheduledTime ?? n.atMs}\u0000${n.event}`,
    )
    .digest('hex')
    .slice(0, 32);
  const lines = textLines(n);
  const html = [
    `<b>${escapeAngle(headline(n))}</b>`,
    ...lines.slice(1, lines.indexOf('') < 0 ? undefined : lines.indexOf('')).map(escapeAngle),
  ];
  if (n.outputTail) html.push(`<pre><code>${escapeAngle(n.outputTail)}</code></pre>`);
  const { headers, body } = json({
    msgtype: 'm.text',
    body: lines.join('\n'),
    format: 'org.matrix.custom.html',
    formatted_body: html.join('<br>'),
  });
  const token = target.credentials.accessToken;
  if (token) headers.authorization = `Bearer ${token}`;
  return { method: 'PUT', url: `${target.address.replace(/\/+$/, '')}/${txn}`, headers, body };
}
