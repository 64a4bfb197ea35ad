/**
 * The live feed of one browser tab: ONE list+watch of all ScheduledDockerJobs (and one of their
 * Warning Events, for the timeline's skip/miss marks) made with the user's own token, relayed as
 * Server-Sent Events. Never a poll per job.
 *
 * Out (SSE events): `snapshot` {jobs: JobSummary[]} after every (re)list, `upsert` JobSummary,
 * `delete` {namespace, name}, `marks` {marks: Mark[]}, `mark` Mark, `problem` {status, message}
 * when the user may not list (the feed then ends).
 * Bounds: a tab that does not read (its socket buffer over `maxBufferedBytes`) is disconnected —
 * EventSource reconnects and gets a fresh snapshot — instead of the server queueing without end.
 * A watch that ends is resumed from the last resourceVersion; a 410 Gone lists again.
 */
import type { ServerResponse } from 'node:http';
import { GROUP, PLURAL, VERSION } from '../api/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../util/clock.ts';
import { summarizeJob } from './job-summary.ts';
import type { UserKube, WatchEvent } from './user-kube.ts';

const JOBS_PATH = `/apis/${GROUP}/${VERSION}/${PLURAL}`;
const EVENTS_PATH = '/api/v1/events';
const LIST_PAGE = 500;
/** Warning Event reasons that mark a run not started (run-reporter.ts). */
const MARK_REASONS = new Set(['MissSchedule', 'JobAlreadyActive', 'QueueFull', 'Superseded', 'Shutdown']);
const MAX_MARKS = 5000;

export interface Mark {
  namespace: string;
  job: string;
  reason: string;
  time: string;
  message: string;
}

export interface JobFeedOptions {
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  log: Logger;
  clock: Clock;
}

type Obj = Record<string, unknown>;

export function serveJobFeed(kube: UserKube, res: ServerResponse, opts: JobFeedOptions): void {
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const abort = new AbortController();
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Accel-Buffering': 'no',
  });
  const send = (event: string, data: unknown) => {
    if (abort.signal.aborted) return;
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    if (res.writableLength > maxBuffered) {
      opts.log.info({ buffered: res.writableLength }, 'dashboard feed: slow reader disconnected');
      stop();
    }
  };
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
  const stop = () => {
    if (abort.signal.aborted) return;
    abort.abort();
    clearInterval(heartbeat);
    res.end();
  };
  res.on('close', stop);

  const fail = (status: number, message: string) => {
    send('problem', { status, message });
    stop();
  };

  void relayJobs(kube, send, abort.signal, fail, opts).finally(stop);
  void relayMarks(kube, send, abort.signal, opts);
}

async function listAll(
  kube: UserKube,
  path: string,
  signal: AbortSignal,
): Promise<{ status: number; items: Obj[]; rv: string; message?: string }> {
  const items: Obj[] = [];
  let cont = '';
  let rv = '';
  do {
    const q = `?limit=${LIST_PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const r = await kube.request<Obj>('GET', path + q, { signal });
    if (r.status !== 200) return { status: r.status, items, rv, message: String(r.body.message ?? '') };
    const meta = (r.body.metadata ?? {}) as Obj;
    cont = String(meta.continue ?? '');
    rv = String(meta.resourceVersion ?? rv);
    for (const it of (r.body.items ?? []) as Obj[]) items.push(it);
  } while (cont && !signal.aborted);
  return { status: 200, items, rv };
}

async function relayJobs(
  kube: UserKube,
  send: (event: string, data: unknown) => void,
  signal: AbortSignal,
  fail: (status: number, message: string) => void,
  { log, clock }: JobFeedOptions,
): Promise<void> {
  let rv = '';
  while (!signal.aborted) {
    if (!rv) {
      const list = await listAll(kube, JOBS_PATH, signal).catch((e: Error) => ({
        status: 0,
        items: [],
        rv: '',
        message: e.message,
      }));
      if (signal.aborted) return;
      if (list.status !== 200) return fail(list.status, list.message ?? 'list failed');
      send('snapshot', { jobs: list.items.map((j) => summarizeJob(j, clock.now())) });
      rv = list.rv;
    }
    let gone = false;
    const onEvent = (e: WatchEvent) => {
      const meta = (e.object.metadata ?? {}) as Obj;
      if (typeof meta.resourceVersion === 'string') rv = meta.resourceVersion;
      if (e.type === 'ADDED' || e.type === 'MODIFIED') send('upsert', summarizeJob(e.object, clock.now()));
      else if (e.type === 'DELETED') send('delete', { namespace: meta.namespace, name: meta.name });
      else if (e.type === 'ERROR') gone = true;
    };
    const watchStarted = clock.now();
    try {
      const status = await kube.watch(JOBS_PATH, rv, onEvent, signal);
      if (status === 410) gone = true;
      else if (status !== 200) return fail(status, 'watch refused');
    } catch (e) {
      if (signal.aborted) return;
      log.info({ err: (e as Error).message }, 'dashboard feed: watch ended, resuming');
    }
    if (gone) rv = '';
    // A watch the server ends at once must not turn into a busy loop.
    if (clock.now() - watchStarted < RESUME_PAUSE_MS) await pause(clock, RESUME_PAUSE_MS, signal);
  }
}

const RESUME_PAUSE_MS = 1000;

function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = clock.setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clock.clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

function markOf(ev: Obj): Mark | undefined {
  const obj = (ev.involvedObject ?? {}) as Obj;
  if (obj.kind !== 'ScheduledDockerJob' || ev.type !== 'Warning' || !MARK_REASONS.has(String(ev.reason)))
    return undefined;
  return {
    namespace: String(obj.namespace ?? (ev.metadata as Obj | undefined)?.namespace ?? ''),
    job: String(obj.name ?? ''),
    reason: String(ev.reason),
    time: String(ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ''),
    message: String(ev.message ?? ''),
  };
}

/** Skip/miss marks: best effort (a user who may not read Events just gets none). */
async function relayMarks(
  kube: UserKube,
  send: (event: string, data: unknown) => void,
  signal: AbortSignal,
  { log, clock }: JobFeedOptions,
): Promise<void> {
  let rv = '';
  while (!signal.aborted) {
    const watchStarted = clock.now();
    try {
      if (!rv) {
        const list = await listAll(kube, EVENTS_PATH, signal);
        if (list.status !== 200) return;
        const marks = list.items.map(markOf).filter((m): m is Mark => m !== undefined);
        send('marks', { marks: marks.slice(-MAX_MARKS) });
        rv = list.rv;
      }
      let gone = false;
      const status = await kube.watch(
        EVENTS_PATH,
        rv,
        (e) => {
          const meta = (e.object.metadata ?? {}) as Obj;
          if (typeof meta.resourceVersion === 'string') rv = meta.resourceVersion;
          if (e.type === 'ERROR') gone = true;
          if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
          const m = markOf(e.object);
          if (m) send('mark', m);
        },
        signal,
      );
      if (status === 410 || gone) rv = '';
      else if (status !== 200) return;
    } catch (e) {
      if (signal.aborted) return;
      log.debug({ err: (e as Error).message }, 'dashboard feed: event watch ended, resuming');
      rv = '';
    }
    if (clock.now() - watchStarted < RESUME_PAUSE_MS) await pause(clock, RESUME_PAUSE_MS, signal);
  }
}
