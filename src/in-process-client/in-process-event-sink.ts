/**
 * The event recorder's calls (kube/event-recorder.ts `EventSink`) in-process against the embedded
 * API server: create a core/v1 Event, or merge-patch the count and lastTimestamp of an existing
 * one. Admission, resourceVersions and the watch are the server's, as over HTTPS; errors are its
 * ApiErrors (409 when the Event exists, 404 when it is gone), read by the recorder as over HTTPS.
 * Every call has a deadline.
 */
import type { InProcessAccess } from '../apiserver/index.ts';
import type { CoreEvent, EventSink } from '../kube/event-recorder.ts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../kube/request-timeout.ts';
import type { Clock } from '../util/clock.ts';
import { asRequestBody, OPERATOR_WRITE, servedKind, withDeadline } from './in-process-calls.ts';

export interface InProcessEventSinkOptions {
  access: InProcessAccess;
  clock: Clock;
  /** Deadline of one call (default 10 s, as over HTTPS). */
  timeoutMs?: number;
}

export function inProcessEventSink(o: InProcessEventSinkOptions): EventSink {
  const kind = servedKind(o.access, '', 'v1', 'events');
  const timeoutMs = o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    async create(event: CoreEvent): Promise<void> {
      await withDeadline(o.clock, timeoutMs, 'event create', () =>
        o.access.service.create(kind, event.metadata.namespace, asRequestBody(event), OPERATOR_WRITE),
      );
    },
    async bump(namespace: string, name: string, count: number, lastTimestamp: string): Promise<void> {
      await withDeadline(o.clock, timeoutMs, 'event patch', () =>
        o.access.service.patch(
          { kind, namespace, name, subresource: undefined },
          'merge',
          { count, lastTimestamp },
          OPERATOR_WRITE,
        ),
      );
    },
  };
}
