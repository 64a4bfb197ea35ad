import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RunRecord } from '../../../src/api/schema.ts';
import { FileResultJournal, RESULT_JOURNAL_FILE } from '../../../src/kube/result-journal.ts';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ofelia-journal-'));
  dirs.push(d);
  return d;
};

const record = (n: number): RunRecord => ({
  name: `job-${n}`,
  trigger: 'Schedule',
  attempt: 1,
  scheduledTime: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
  result: n % 2 === 0 ? 'Succeeded' : 'Failed',
});
const result = (n: number) => ({ namespace: 'default', name: 'job', uid: 'uid-1', record: record(n) });

test('FileResultJournal: results not settled survive the process (reopen), settled ones do not', () => {
  const dir = freshDir();
  const first = FileResultJournal.open(dir);
  const ids = [1, 2, 3].map((n) => first.add(result(n)));
  first.settle(ids[1] as number);
  // No close(): a killed process does not close its files.
  const second = FileResultJournal.open(dir);
  assert.deepEqual(
    second.pending().map((p) => p.record.name),
    ['job-1', 'job-3'],
  );
  // Reopening compacted the file to the pending results only.
  assert.equal(readFileSync(join(dir, RESULT_JOURNAL_FILE), 'utf8').trim().split('\n').length, 2);
  // New ids never collide with recovered ones.
  const next = second.add(result(4));
  assert.ok(next !== undefined && second.pending().every((p) => p.id !== next));
  for (const p of second.pending()) second.settle(p.id);
  assert.equal(second.pendingCount, 1);
  second.close();
});

test('FileResultJournal: a torn last line (killed mid-write) is ignored', () => {
  const dir = freshDir();
  const j = FileResultJournal.open(dir);
  j.add(result(1));
  appendFileSync(join(dir, RESULT_JOURNAL_FILE), '{"op":"add","id":9,"namesp');
  const reopened = FileResultJournal.open(dir);
  assert.deepEqual(
    reopened.pending().map((p) => p.record.name),
    ['job-1'],
  );
  reopened.close();
});

test('FileResultJournal: bounded; compaction keeps only what is pending', () => {
  const dir = freshDir();
  const j = FileResultJournal.open(dir, { maxPending: 3, compactAfter: 4 });
  const ids = [1, 2, 3].map((n) => j.add(result(n)));
  assert.equal(j.add(result(4)), undefined, 'full: not journaled');
  for (const id of ids) j.settle(id as number);
  j.settle(j.add(result(5)) as number); // the 4th settled line: compacted to an empty file
  const six = j.add(result(6)) as number;
  j.settle(six);
  const kept = j.add(result(7));
  const lines = readFileSync(join(dir, RESULT_JOURNAL_FILE), 'utf8').trim().split('\n');
  assert.deepEqual(
    lines.map((l) => [JSON.parse(l).op, JSON.parse(l).id]),
    [
      ['add', six],
      ['done', six],
      ['add', kept],
    ],
  );
  j.close();
});
