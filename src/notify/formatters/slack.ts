/**
 * Slack incoming webhook: `text` (the notification fallback) plus Block Kit `blocks`: a header,
 * a section of fields, the output tail as a code block, a context line (cooldown count, link).
 * Slack limits a section text to 3000 characters, so the tail is cut from its start.
 */
import type { Notification } from '../notification.ts';
import { formatDuration, headline } from '../notification.ts';
import {
  codeBlock,
  type DeliveryTarget,
  escapeAngle,
  type HttpRequest,
  json,
  keepEnd,
} from './http-request.ts';

export function formatSlack(n: Notification, target: DeliveryTarget): HttpRequest {
  const title = headline(n);
  const fields = [
    ['Job', `${n.namespace}/${n.job}`],
    ['Result', n.result],
    n.run ? ['Run', n.run] : undefined,
    n.trigger ? ['Trigger', n.trigger] : undefined,
    n.exitCode !== undefined ? ['Exit code', String(n.exitCode)] : undefined,
    n.durationMs !== undefined ? ['Duration', formatDuration(n.durationMs)] : undefined,
    n.scheduledTime ? ['Scheduled', n.scheduledTime] : undefined,
    n.reason ? ['Reason', [n.reason, n.message].filter(Boolean).join(': ')] : undefined,
  ].filter((f): f is string[] => f !== undefined);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: keepEnd(title, 150) } },
    {
      type: 'section',
      fields: fields.map(([k, v]) => ({
        type: 'mrkdwn',
        text: `*${k}*\n${escapeAngle(keepEnd(v ?? '', 1900))}`,
      })),
    },
  ];
  if (n.outputTail)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: codeBlock(escapeAngle(keepEnd(n.outputTail, 2900))) },
    });
  const context = [
    n.suppressed > 0 ? `${n.suppressed} more within the cooldown were not sent` : '',
    n.dashboardUrl ? `<${n.dashboardUrl}|Dashboard>` : '',
  ].filter(Boolean);
  if (context.length)
    blocks.push({ type: 'context', elements: context.map((text) => ({ type: 'mrkdwn', text })) });
  return { method: 'POST', url: target.address, ...json({ text: title, blocks }) };
}
