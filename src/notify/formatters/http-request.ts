/**
 * What an HTTP preset produces: one request, as plain data. Formatters are pure functions of
 * (notification, target); the delivery adds the notifier's own headers and sends it.
 */
import type { Notification } from '../notification.ts';

export interface HttpRequest {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where a message goes and with what credentials (resolved from Secrets; never logged). */
export interface DeliveryTarget {
  /** The resolved address (from spec.address, addressFrom or the type's default). */
  address: string;
  /** Keys of spec.credentialsFrom's Secret. */
  credentials: Readonly<Record<string, string>>;
  /** The notifier, `namespace/name` (dedup keys, transaction ids). */
  notifier: string;
}

export type HttpFormatter = (n: Notification, target: DeliveryTarget) => HttpRequest;

export const json = (body: unknown): { headers: Record<string, string>; body: string } => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Escapes text for Slack mrkdwn and similar (&, <, >). */
export const escapeAngle = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A fenced code block that cannot be closed early by the text inside. */
export const codeBlock = (text: string): string => `\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\``;

/** Cut `text` to at most `max` characters, keeping the END (output tails are read from the end). */
export const keepEnd = (text: string, max: number): string =>
  text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
