/**
 * What a message says: one run event of one job, as plain data every formatter reads
 * (namespace/job, run, trigger, result, reason, exit code, duration, scheduled/start/finish
 * times, the bounded tail of the output, a dashboard link) plus how many messages the cooldown
 * held back before it. `notifyEventsOf` maps a run event to the notifier events it stands for
 * (a success after failures is both `Succeeded` and `Recovered`). Pure.
 */
import type { NotifyEvent } from '../api/notifier-schema.ts';
import type { RunEvent } from '../controller/run-events/run-event.ts';

export interface Notification {
  event: NotifyEvent;
  namespace: string;
  job: string;
  /** Run name (absent for Missed/Skipped, which never started a run). */
  run?: string;
  trigger?: string;
  /** The run's result (Succeeded, Failed, DeadlineExceeded ...) or the event for runs that did not start. */
  result: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  durationMs?: number;
  scheduledTime?: string;
  startTime?: string;
  finishTime?: string;
  /** The end of the output (both streams as produced), at most the notifier's outputTailBytes. */
  outputTail?: string;
  /** The end of stdout and of stderr on their own, at most outputTailBytes each (when the runner kept them). */
  stdoutTail?: string;
  stderrTail?: string;
  dashboardUrl?: string;
  /** Messages of this kind for this job the cooldown held back since the last one sent. */
  suppressed: number;
  /** When the event happened (epoch ms). */
  atMs: number;
}

/** The notifier events a run event stands for; `previouslyFailed`: the job's last finished run failed. */
export function notifyEventsOf(event: RunEvent, previouslyFailed: boolean): NotifyEvent[] {
  switch (event.type) {
    case 'Started':
      return ['Started'];
    case 'Finished':
      if (event.record.result !== 'Succeeded') return ['Failed'];
      return previouslyFailed ? ['Succeeded', 'Recovered'] : ['Succeeded'];
    case 'Missed':
      return ['Missed'];
    case 'Skipped':
      return ['Skipped'];
    default:
      return [];
  }
}

/** The end of `text` in at most `maxBytes` UTF-8 bytes, cut at a character boundary. */
export function tailBytes(text: string | undefined, maxBytes: number): string | undefined {
  if (!text || maxBytes <= 0) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}

export interface NotificationContext {
  outputTailBytes: number;
  dashboardBaseUrl?: string;
}

/** The message for one notifier event of one run event. */
export function buildNotification(
  event: RunEvent,
  kind: NotifyEvent,
  ctx: NotificationContext,
  suppressed = 0,
): Notification {
  const { namespace, name } = event.job;
  const base: Notification = {
    event: kind,
    namespace,
    job: name,
    result: kind,
    suppressed,
    atMs: event.atMs,
  };
  if (ctx.dashboardBaseUrl)
    base.dashboardUrl = `${ctx.dashboardBaseUrl.replace(/\/+$/, '')}/jobs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  switch (event.type) {
    case 'Started':
      return {
        ...base,
        run: event.run,
        trigger: event.trigger,
        result: 'Started',
        scheduledTime: new Date(event.scheduledMs).toISOString(),
        startTime: new Date(event.atMs).toISOString(),
      };
    case 'Finished': {
      const r = event.record;
      const start = r.startTime ? Date.parse(r.startTime) : undefined;
      const finish = r.finishTime ? Date.parse(r.finishTime) : undefined;
      const out: Notification = {
        ...base,
        run: r.name,
        trigger: event.trigger,
        result: r.result,
        scheduledTime: r.scheduledTime,
      };
      if (r.reason) out.reason = r.reason;
      if (r.message) out.message = r.message;
      if (r.exitCode !== undefined) out.exitCode = r.exitCode;
      if (r.startTime) out.startTime = r.startTime;
      if (r.finishTime) out.finishTime = r.finishTime;
      if (start !== undefined && finish !== undefined) out.durationMs = Math.max(0, finish - start);
      const tail = tailBytes(r.logTail, ctx.outputTailBytes);
      if (tail) out.outputTail = tail;
      if (event.output) {
        const stdout = tailBytes(event.output.stdout, ctx.outputTailBytes);
        const stderr = tailBytes(event.output.stderr, ctx.outputTailBytes);
        if (stdout) out.stdoutTail = stdout;
        if (stderr) out.stderrTail = stderr;
      }
      return out;
    }
    case 'Missed':
      return {
        ...base,
        trigger: event.trigger,
        result: 'Missed',
        reason: 'MissSchedule',
        scheduledTime: new Date(event.scheduledMs).toISOString(),
      };
    case 'Skipped':
      return {
        ...base,
        trigger: event.trigger,
        result: 'Skipped',
        reason: event.reason,
        message: event.message,
        scheduledTime: new Date(event.scheduledMs).toISOString(),
      };
    default:
      return base;
  }
}

/** One line for titles and subjects: `Failed: ns/job (run job-123, exit 1)`. */
export function headline(n: Notification): string {
  const details = [n.run ? `run ${n.run}` : '', n.exitCode !== undefined ? `exit ${n.exitCode}` : '']
    .filter(Boolean)
    .join(', ');
  return `${n.event}: ${n.namespace}/${n.job}${n.result !== n.event ? ` ${n.result}` : ''}${details ? ` (${details})` : ''}`;
}

/** Plain-text body lines shared by the text formats (mail, ntfy, gotify, pushover). */
export function textLines(n: Notification): string[] {
  const lines = [headline(n)];
  if (n.reason || n.message) lines.push(`Reason: ${[n.reason, n.message].filter(Boolean).join(': ')}`);
  if (n.trigger) lines.push(`Trigger: ${n.trigger}`);
  if (n.scheduledTime) lines.push(`Scheduled: ${n.scheduledTime}`);
  if (n.startTime) lines.push(`Started: ${n.startTime}`);
  if (n.durationMs !== undefined) lines.push(`Duration: ${formatDuration(n.durationMs)}`);
  if (n.suppressed > 0) lines.push(`(${n.suppressed} more within the cooldown were not sent)`);
  if (n.dashboardUrl) lines.push(`Dashboard: ${n.dashboardUrl}`);
  if (n.outputTail) lines.push('', 'Output (end):', n.outputTail);
  return lines;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round(s % 60)}s`;
}

/** True for the events that mean something went wrong (colour, priority, severity). */
export function isBad(n: Notification): boolean {
  return n.event === 'Failed' || n.event === 'Missed' || n.event === 'Skipped';
}
