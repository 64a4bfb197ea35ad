/**
 * Mail through nodemailer: one transport per notifier (built from spec.email and the credentials
 * Secret), with connection, greeting and socket timeouts; the TLS policy maps to nodemailer's
 * options (mandatory: implicit TLS on 465, STARTTLS required elsewhere; opportunistic: STARTTLS
 * when offered; none: never). SMTP errors become DeliveryErrors with the SMTP response code only.
 * A message about a run carries the run's report files as attachments (`attachReport`), as
 * Ofelia's mail middleware did.
 */
import type { Transporter } from 'nodemailer';
import type { JobNotifierSpec } from '../api/notifier-schema.ts';
import { renderTemplate } from '../api/notifier-template.ts';
import { DeliveryError } from './delivery-error.ts';
import { type Notification, textLines } from './notification.ts';
import { runReportFiles } from './run-report-files.ts';

type EmailSpec = NonNullable<JobNotifierSpec['email']>;

export interface MailSender {
  send(n: Notification): Promise<void>;
  close(): void;
}

export function mailSender(
  email: EmailSpec,
  credentials: Readonly<Record<string, string>> | undefined,
  timeoutMs: number,
): MailSender {
  const tlsOptions =
    email.tls === 'mandatory'
      ? email.port === 465
        ? { secure: true }
        : { secure: false, requireTLS: true }
      : email.tls === 'opportunistic'
        ? { secure: false }
        : { secure: false, ignoreTLS: true };
  // nodemailer (about 16 MB of RSS once loaded) is loaded with the first mail, not at start-up:
  // most operators never send one.
  let transport: Transporter | undefined;
  let closed = false;
  const open = async (): Promise<Transporter> => {
    const nodemailer = (await import('nodemailer')).default;
    transport ??= nodemailer.createTransport({
      host: email.host,
      port: email.port,
      ...tlsOptions,
      auth: credentials?.username
        ? { user: credentials.username, pass: credentials.password ?? '' }
        : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
    });
    if (closed) transport.close();
    return transport;
  };
  return {
    async send(n) {
      const subject = renderTemplate(email.subject, {
        event: n.event,
        namespace: n.namespace,
        job: n.job,
        run: n.run ?? '',
        trigger: n.trigger ?? '',
        result: n.result,
        reason: n.reason ?? '',
        exitCode: n.exitCode === undefined ? '' : String(n.exitCode),
      });
      try {
        await (await open()).sendMail({
          from: email.from,
          to: email.to,
          subject,
          text: textLines(n).join('\n'),
          attachments:
            email.attachReport && reportsARun(n)
              ? runReportFiles(n).map((f) => ({
                  filename: f.name,
                  content: f.content,
                  contentType: f.contentType,
                }))
              : undefined,
          headers: { 'X-Ofelia-Job': `${n.namespace}/${n.job}`, 'X-Ofelia-Event': n.event },
        });
      } catch (error) {
        const e = error as Error & { code?: string; responseCode?: number };
        const timedOut = e.code === 'ETIMEDOUT' || e.code === 'ETIMEOUT';
        throw new DeliveryError(
          timedOut ? 'Timeout' : 'SmtpError',
          `SMTP ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}`,
          !(e.responseCode && e.responseCode >= 500 && e.responseCode < 600 && e.code === 'EENVELOPE'),
        );
      }
    },
    close: () => {
      closed = true;
      transport?.close();
    },
  };
}

/** A message about a run that finished (Ofelia attached the report once an execution ended). */
function reportsARun(n: Notification): boolean {
  return n.run !== undefined && (n.event === 'Succeeded' || n.event === 'Failed' || n.event === 'Recovered');
}
