/**
 * The event recorder's sink in-process against the API server's real engine: an Event created as
 * the recorder builds it, its count bumped by a merge patch, and the errors the recorder reads
 * (409 for an Event that exists, 404 for one that is gone) as over HTTPS.
 */
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { inProcessEventSink } from '../../../src/in-process-client/in-process-event-sink.ts';
import { isAlreadyExists, isNotFound } from '../../../src/kube/api-errors.ts';
import type { CoreEvent, EventSink } from '../../../src/kube/event-recorder.ts';
import { type InProcessServer, inProcessServer } from '../../helpers/in-process-server.ts';

let server: InProcessServer;
let sink: EventSink;

beforeEach(async () => {
  server = await inProcessServer();
  sink = inProcessEventSink({ access: server.access, clock: server.clock });
});

const event = (name: string): CoreEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'ops' },
  involvedObject: {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'ScheduledDockerJob',
    name: 'backup',
    namespace: 'ops',
    uid: 'u-1',
  },
  reason: 'Started',
  message: 'run started',
  type: 'Normal',
  count: 1,
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:00:00Z',
  source: { component: 'ofelia-operator', host: undefined },
  reportingComponent: 'ofelia-operator',
});

const stored = (name: string) => server.service.get(server.kinds.lookup('', 'v1', 'events')!, 'ops', name);

test('create stores the Event as given; bump changes its count and lastTimestamp only', async () => {
  await sink.create(event('backup.1'));
  assert.equal(stored('backup.1').reason, 'Started');
  assert.equal(stored('backup.1').count, 1);
  await sink.bump('ops', 'backup.1', 3, '2026-01-01T00:05:00Z');
  const after = stored('backup.1');
  assert.equal(after.count, 3);
  assert.equal(after.lastTimestamp, '2026-01-01T00:05:00Z');
  assert.equal(after.firstTimestamp, '2026-01-01T00:00:00Z');
  assert.equal(after.message, 'run started');
});

test('an Event created twice is a 409, a bump of a missing one a 404, as over HTTPS', async () => {
  await sink.create(event('backup.2'));
  await assert.rejects(sink.create(event('backup.2')), isAlreadyExists);
  await assert.rejects(sink.bump('ops', 'gone', 2, '2026-01-01T00:05:00Z'), isNotFound);
});
