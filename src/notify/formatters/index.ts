/**
 * One formatter per HTTP preset, by notifier type. Mail and save are not HTTP and have their
 * own deliveries (../mail-delivery.ts, ../save-delivery.ts).
 */
import type { NotifierType } from '../../api/notifier-schema.ts';
import { formatDiscord } from './discord.ts';
import { formatGotify } from './gotify.ts';
import { formatHealthchecks } from './healthchecks.ts';
import type { HttpFormatter } from './http-request.ts';
import { formatMatrix } from './matrix.ts';
import { formatNtfy } from './ntfy.ts';
import { formatPagerDuty } from './pagerduty.ts';
import { formatPushover } from './pushover.ts';
import { formatSlack } from './slack.ts';
import { formatTeams } from './teams.ts';
import { formatWebhook } from './webhook.ts';

export type { DeliveryTarget, HttpFormatter, HttpRequest } from './http-request.ts';

export const HTTP_FORMATTERS: Readonly<Partial<Record<NotifierType, HttpFormatter>>> = {
  webhook: formatWebhook,
  slack: formatSlack,
  discord: formatDiscord,
  teams: formatTeams,
  matrix: formatMatrix,
  ntfy: formatNtfy,
  gotify: formatGotify,
  pushover: formatPushover,
  pagerduty: formatPagerDuty,
  healthchecks: formatHealthchecks,
};
