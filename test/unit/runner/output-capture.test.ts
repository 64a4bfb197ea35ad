import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { RunIdentity } from '../../../src/api/run-identity.ts';
import type { StreamName } from '../../../src/runner/frame-parser.ts';
import { OutputCapture } from '../../../src/runner/output-capture.ts';

const run: RunIdentity = {
  namespace: 'ns',
  jobName: 'job',
  jobUid: '00000000-0000-0000-0000-000000000001',
  scheduledTime: Date.UTC(2026, 0, 1),
  attempt: 1,
};

function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

test('OutputCapture.consume: demultiplexes a stream into lines, bytes and the tail', async () => {
  const got: [StreamName, string][] = [];
  const hooked: string[] = [];
  const capture = new OutputCapture({
    run,
    multiplexed: true,
    tailBytes: 8,
    sink: { line: (_r, s, l) => void got.push([s, l]) },
    onLine: (_s, l) => hooked.push(l),
  });
  const src = new PassThrough();
  const done = capture.consume(src);
  const all = Buffer.concat([frame(1, 'one\ntw'), frame(2, 'err\n'), frame(1, 'o\nend')]);
  // Written in awkward pieces: a header split across chunks.
  src.write(all.subarray(0, 3));
  src.write(all.subarray(3, 17));
  src.end(all.subarray(17));
  await done;
  capture.end();
  assert.deepEqual(got, [
    ['stdout', 'one'],
    ['stderr', 'err'],
    ['stdout', 'two'],
    ['stdout', 'end'],
  ]);
  assert.deepEqual(hooked, ['one', 'err', 'two', 'end']);
  assert.deepEqual(capture.bytes, { stdout: 11, stderr: 4 });
  assert.equal(capture.tailText(), 'rr\no\nend');
  assert.equal(capture.droppedLines, 0);
});

test('OutputCapture: counts the lines a full sink dropped, and keeps the tail whole', () => {
  let taken = 0;
  const capture = new OutputCapture({
    run,
    multiplexed: false,
    // A sink bounded at two lines: it drops (returns false) after that.
    sink: {
      line: () => {
        if (taken >= 2) return false;
        taken++;
        return true;
      },
    },
  });
  capture.push(Buffer.from('a\nb\nc\nd\n'));
  capture.end();
  assert.equal(taken, 2);
  assert.equal(capture.droppedLines, 2);
  assert.equal(capture.tailText(), 'a\nb\nc\nd\n');
});

test('OutputCapture.consume: an erroring stream ends the consumption', async () => {
  const lines: string[] = [];
  const capture = new OutputCapture({
    run,
    multiplexed: false,
    sink: { line: (_r, _s, l) => void lines.push(l) },
  });
  const src = new PassThrough();
  const done = capture.consume(src);
  src.write('partial');
  src.destroy(new Error('socket hang up'));
  await done;
  capture.end();
  assert.deepEqual(lines, ['partial']);
});

test('OutputCapture.streamTails: the end of each stream apart, bounded, only when asked', () => {
  const sink = { line: () => true };
  const none = new OutputCapture({ run, multiplexed: true, sink });
  none.push(frame(1, 'out\n'));
  assert.equal(none.streamTails(), undefined, 'not kept unless asked');
  const capture = new OutputCapture({ run, multiplexed: true, tailBytes: 64, streamTailBytes: 6, sink });
  capture.push(Buffer.concat([frame(1, 'first out\n'), frame(2, 'an error\n'), frame(1, 'last\n')]));
  capture.end();
  // The merged tail interleaves; each stream's tail is its own last 6 bytes.
  assert.equal(capture.tailText(), 'first out\nan error\nlast\n');
  assert.deepEqual(capture.streamTails(), { stdout: '\nlast\n', stderr: 'error\n' });
  const tty = new OutputCapture({ run, multiplexed: false, streamTailBytes: 16, sink });
  tty.push(Buffer.from('all on stdout\n'));
  assert.deepEqual(tty.streamTails(), { stdout: 'all on stdout\n', stderr: '' });
});
