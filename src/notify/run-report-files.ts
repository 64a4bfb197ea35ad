/**
 * A run's report as Ofelia's three files: `YYYYMMDD_HHMMSS_<namespace>_<job>.stdout.log`,
 * `.stderr.log` and `.json`. Ofelia's save middleware wrote them to a folder and its mail
 * middleware attached them; the `save` and `email` types do the same from here, so the two never
 * drift apart. Time = the run's start, or the event's, in UTC. `.stdout.log` and `.stderr.log`
 * hold the end of each stream (at most the notifier's outputTailBytes each, as the runner keeps
 * them apart); a message without them (an adopted run of an older process) puts the merged tail in
 * `.stdout.log`. The `.json` is the message without the output.
 */
import type { Notification } from './notification.ts';

export interface ReportFile {
  /** The file name, no folder. */
  name: string;
  content: string;
  /** For attachments. */
  contentType: 'text/plain' | 'application/json';
}

export function reportStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export function runReportFiles(n: Notification): ReportFile[] {
  const at = n.startTime ? Date.parse(n.startTime) : n.atMs;
  const base = `${reportStamp(at)}_${n.namespace}_${n.job}`;
  const { outputTail, stdoutTail, stderrTail, ...meta } = n;
  const apart = stdoutTail !== undefined || stderrTail !== undefined;
  return [
    {
      name: `${base}.stdout.log`,
      content: (apart ? stdoutTail : outputTail) ?? '',
      contentType: 'text/plain',
    },
    {
      name: `${base}.stderr.log`,
      content: (apart ? stderrTail : undefined) ?? '',
      contentType: 'text/plain',
    },
    {
      name: `${base}.json`,
      content: `${JSON.stringify({ ...meta, time: new Date(n.atMs).toISOString() }, null, 2)}\n`,
      contentType: 'application/json',
    },
  ];
}
