/**
 * Discord webhook: one embed (title, colour by event, fields, the output tail in the description
 * as a code block, timestamp, url to the dashboard). Discord limits: title 256, description 4096,
 * field value 1024 characters.
 */
import type { Notification } from '../notification.ts';
import { formatDuration, headline, isBad } from '../notification.ts';
import { codeBlock, type DeliveryTarget, type HttpRequest, json, keepEnd } from './http-request.ts';

const RED = 0xd32f2f;
const GREEN = 0x2e7d32;
const BLUE = 0x1565c0;

export function formatDiscord(n: Notification, target: DeliveryTarget): HttpRequest {
  const fields = [
    { name: 'Job', value: `${n.namespace}/${n.job}`, inline: true },
    { name: 'Result', value: n.result, inline: true },
    n.run ? { name: 'Run', value: n.run, inline: true } : undefined,
    n.trigger ? { name: 'Trigger', value: n.trigger, inline: true } : undefined,
    n.exitCode !== undefined ? { name: 'Exit code', value: String(n.exitCode), inline: true } : undefined,
    n.durationMs !== undefined
      ? { name: 'Duration', value: formatDuration(n.durationMs), inline: true }
      : undefined,
    n.reason
      ? { name: 'Reason', value: keepEnd([n.reason, n.message].filter(Boolean).join(': '), 1024) }
      : undefined,
    n.suppressed > 0 ? { name: 'Cooldown', value: `${n.suppressed} more were not sent` } : undefined,
  ].filter((f) => f !== undefined);
  const embed: Record<string, unknown> = {
    title: keepEnd(headline(n), 256),
    color: isBad(n) ? RED : n.event === 'Started' ? BLUE : GREEN,
    fields,
    timestamp: new Date(n.atMs).toISOString(),
  };
  if (n.outputTail) embed.description = codeBlock(keepEnd(n.outputTail, 4000));
  if (n.dashboardUrl) embed.url = n.dashboardUrl;
  return { method: 'POST', url: target.address, ...json({ username: 'ofelia-operator', embeds: [embed] }) };
}
