import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameParser, type StreamName } from '../../../src/runner/frame-parser.ts';

function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
}

function collect(chunks: Buffer[]): { stdout: string; stderr: string; parser: FrameParser } {
  const out: Record<StreamName, string> = { stdout: '', stderr: '' };
  const parser = new FrameParser((s, p) => {
    out[s] += p.toString();
  });
  for (const c of chunks) parser.push(c);
  return { ...out, parser };
}

const stream = Buffer.concat([
  frame(1, 'hello\n'),
  frame(2, 'oops\n'),
  frame(1, ''),
  frame(1, 'world'),
  frame(2, '!'),
]);

test('FrameParser: whole stream in one chunk', () => {
  const r = collect([stream]);
  assert.equal(r.stdout, 'hello\nworld');
  assert.equal(r.stderr, 'oops\n!');
  assert.ok(r.parser.atFrameBoundary);
});

test('FrameParser: every split point of the stream gives the same result', () => {
  for (let i = 0; i <= stream.length; i++) {
    const r = collect([stream.subarray(0, i), stream.subarray(i)]);
    assert.equal(r.stdout, 'hello\nworld', `split at ${i}`);
    assert.equal(r.stderr, 'oops\n!', `split at ${i}`);
  }
});

test('FrameParser: one byte at a time', () => {
  const r = collect([...stream].map((b) => Buffer.from([b])));
  assert.equal(r.stdout, 'hello\nworld');
  assert.equal(r.stderr, 'oops\n!');
});

test('FrameParser: a stream cut inside a frame is not at a boundary', () => {
  assert.equal(collect([stream.subarray(0, 10)]).parser.atFrameBoundary, false);
});
