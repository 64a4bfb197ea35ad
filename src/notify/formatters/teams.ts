/**
 * Microsoft Teams (Workflows / incoming webhook): a message with one Adaptive Card 1.4 attachment:
 * a title, a FactSet, the output tail in a monospace block, and an "Open dashboard" action.
 */
import type { Notification } from '../notification.ts';
import { formatDuration, headline, isBad } from '../notification.ts';
import { type DeliveryTarget, type HttpRequest, json, keepEnd } from './http-request.ts';

export function formatTeams(n: Notification, target: DeliveryTarget): HttpRequest {
  const facts = [
    { title: 'Job', value: `${n.namespace}/${n.job}` },
    { title: 'Result', value: n.result },
    n.run ? { title: 'Run', value: n.run } : undefined,
    n.trigger ? { title: 'Trigger', value: n.trigger } : undefined,
    n.exitCode !== undefined ? { title: 'Exit code', value: String(n.exitCode) } : undefined,
    n.durationMs !== undefined ? { title: 'Duration', value: formatDuration(n.durationMs) } : undefined,
    n.scheduledTime ? { title: 'Scheduled', value: n.scheduledTime } : undefined,
    n.reason ? { title: 'Reason', value: [n.reason, n.message].filter(Boolean).join(': ') } : undefined,
    n.suppressed > 0 ? { title: 'Cooldown', value: `${n.suppressed} more were not sent` } : undefined,
  ].filter((f) => f !== undefined);
  const body: unknown[] = [
    {
      type: 'TextBlock',
      size: 'Medium',
      weight: 'Bolder',
      color: isBad(n) ? 'Attention' : 'Good',
      text: headline(n),
      wrap: true,
    },
    { type: 'FactSet', facts },
  ];
  if (n.outputTail)
    body.push({ type: 'TextBlock', fontType: 'Monospace', text: keepEnd(n.outputTail, 8000), wrap: true });
  const card: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  if (n.dashboardUrl)
    card.actions = [{ type: 'Action.OpenUrl', title: 'Open dashboard', url: n.dashboardUrl }];
  return {
    method: 'POST',
    url: target.address,
    ...json({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    }),
  };
}
