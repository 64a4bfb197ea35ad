import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { pino } from 'pino';
import type { RunIdentity } from '../../../src/api/run-identity.ts';
import { LoggerOutputSink } from '../../../src/runner/output-sink.ts';

const run: RunIdentity = {
  namespace: 'ns',
  jobName: 'job',
  jobUid: '00000000-0000-0000-0000-000000000001',
  scheduledTime: Date.UTC(2026, 0, 1),
  attempt: 1,
};

/** Stands in for pino's asynchronous destination: records what is written, `_len` set by the test. */
class FakeDestination extends EventEmitter {
  _len = 0;
  records: Record<string, unknown>[] = [];
  write(s: string): boolean {
    this.records.push(JSON.parse(s) as Record<string, unknown>);
    return true;
  }
}

test('LoggerOutputSink: one record per line with the run fields', () => {
  const dest = new FakeDestination();
  const sink = new LoggerOutputSink(pino({ level: 'info' }, dest));
  assert.equal(sink.line(run, 'stdout', 'hello'), true);
  assert.equal(sink.line(run, 'stderr', 'oops'), true);
  assert.equal(dest.records.length, 2);
  const [a, b] = dest.records;
  assert.equal(a?.msg, 'run output');
  assert.equal(a?.namespace, 'ns');
  assert.equal(a?.job, 'job');
  assert.equal(typeof a?.run, 'string');
  assert.equal(a?.scheduledTime, '2026-01-01T00:00:00.000Z');
  assert.equal(a?.stream, 'stdout');
  assert.equal(a?.line, 'hello');
  assert.equal(b?.stream, 'stderr');
  assert.equal(b?.run, a?.run);
});

test('LoggerOutputSink: over its bound it drops and counts lines, with one warning per episode', () => {
  const dest = new FakeDestination();
  const sink = new LoggerOutputSink(pino({ level: 'info' }, dest), { maxBufferedBytes: 100 });
  dest._len = 101;
  assert.equal(sink.line(run, 'stdout', 'a'), false);
  assert.equal(sink.line(run, 'stdout', 'b'), false);
  assert.equal(sink.droppedLines, 2);
  assert.deepEqual(
    dest.records.map((r) => r.msg),
    ['run output dropped: log destination full'],
  );
  dest._len = 0;
  assert.equal(sink.line(run, 'stdout', 'c'), true);
  dest._len = 500;
  assert.equal(sink.line(run, 'stdout', 'd'), false);
  assert.deepEqual(
    dest.records.map((r) => r.line ?? r.msg),
    ['run output dropped: log destination full', 'c', 'run output dropped: log destination full'],
  );
  assert.equal(sink.droppedLines, 3);
});
