/**
 * The save type's files: `.stdout.log` and `.stderr.log` hold each stream's end apart (Ofelia's
 * save middleware layout), `.json` the message without the output; a message without the streams
 * apart writes the merged tail to `.stdout.log`. On a temporary folder the test allows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Notification } from '../../../src/notify/notification.ts';
import { saveNotification } from '../../../src/notify/save-delivery.ts';

const root = mkdtempSync(join(tmpdir(), 'ofelia-save-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));

const base: Notification = {
  event: 'Failed',
  namespace: 'ns',
  job: 'job',
  run: 'job-1767225600',
  result: 'Failed',
  exitCode: 3,
  startTime: '2026-01-01T00:00:01.000Z',
  outputTail: 'to stdout\nto stderr\n',
  suppressed: 0,
  atMs: Date.UTC(2026, 0, 1, 0, 0, 5),
};
const save = { folder: '', fileMode: '0640', retentionDays: 0 };

function files(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).map((f) => [f, readFileSync(join(folder, f), 'utf8')]));
}

test('save: stdout and stderr go to their own files; the JSON has neither', async () => {
  const folder = join(root, 'apart');
  await saveNotification(
    { ...base, stdoutTail: 'to stdout\n', stderrTail: 'to stderr\n' },
    { ...save, folder },
    [root],
    base.atMs,
  );
  const got = files(folder);
  assert.equal(got['20260101_000001_ns_job.stdout.log'], 'to stdout\n');
  assert.equal(got['20260101_000001_ns_job.stderr.log'], 'to stderr\n');
  const meta = JSON.parse(got['20260101_000001_ns_job.json'] ?? '{}');
  assert.equal(meta.exitCode, 3);
  assert.equal(meta.stdoutTail, undefined);
  assert.equal(meta.stderrTail, undefined);
  assert.equal(meta.outputTail, undefined);
});

test('save: without the streams apart, the merged tail is the stdout file and stderr is empty', async () => {
  const folder = join(root, 'merged');
  await saveNotification(base, { ...save, folder }, [root], base.atMs);
  const got = files(folder);
  assert.equal(got['20260101_000001_ns_job.stdout.log'], 'to stdout\nto stderr\n');
  assert.equal(got['20260101_000001_ns_job.stderr.log'], '');
});
