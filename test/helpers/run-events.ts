/**
 * A run-event bus for dispatcher tests with the real status and Event observers on recording
 * sinks: `writes` holds every status patch (and whether it was urgent), `events` every Event as
 * `type/reason`, `published` every run event in order.
 */
import type { StatusPatch } from '../../src/api/job-reporting.ts';
import { JobEvents } from '../../src/controller/job-events.ts';
import type { JobState } from '../../src/controller/job-state.ts';
import { JobStatusView } from '../../src/controller/job-status-view.ts';
import { RunEventRecorder } from '../../src/controller/observers/run-event-recorder.ts';
import { RunStatusObserver } from '../../src/controller/observers/run-status-observer.ts';
import type { RunEvent } from '../../src/controller/run-events/run-event.ts';
import { RunEventBus } from '../../src/controller/run-events/run-event-bus.ts';
import { silentLogger } from '../../src/log/logger.ts';

export function recordingRunEvents() {
  const writes: { patch: StatusPatch; urgent: boolean }[] = [];
  const events: string[] = [];
  const published: RunEvent<JobState>[] = [];
  const bus = new RunEventBus<JobState>(silentLogger());
  bus.subscribe(
    new RunStatusObserver(
      new JobStatusView({
        submit: (_key, patch, options) => writes.push({ patch, urgent: options?.urgent ?? false }),
        forget: () => {},
      }),
    ),
  );
  bus.subscribe(
    new RunEventRecorder(new JobEvents({ record: (_t, type, reason) => events.push(`${type}/${reason}`) })),
  );
  bus.subscribe({ name: 'recorder', observe: (e) => published.push(e) });
  return { bus, writes, events, published };
}
