import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../../../../src/apiserver/store/framing.ts';

const payloads = ['{"a":1}', '{"b":"two"}', '{"c":[3,3,3]}', '{"d":"vier \u00fc\u4e16"}'].map((s) =>
  Buffer.from(s),
);
const frames = payloads.map(encodeFrame);
const log = Buffer.concat(frames);
/** Offset of frame i in `log`. */
const at = (i: number) => frames.slice(0, i).reduce((n, f) => n + f.length, 0);

function damaged(mutate: (b: Buffer) => Buffer): Buffer {
  return mutate(Buffer.from(log));
}

const cases: {
  name: string;
  input: Buffer;
  wantPayloads: number[];
  wantProblems: { kind: 'tail' | 'corrupt'; offset: number; reason: RegExp }[];
}[] = [
  { name: 'intact log', input: log, wantPayloads: [0, 1, 2, 3], wantProblems: [] },
  { name: 'empty buffer', input: Buffer.alloc(0), wantPayloads: [], wantProblems: [] },
  {
    name: 'cut inside the last header',
    input: log.subarray(0, at(3) + 7),
    wantPayloads: [0, 1, 2],
    wantProblems: [{ kind: 'tail', offset: at(3), reason: /incomplete frame header/ }],
  },
  {
    name: 'cut inside the last payload',
    input: log.subarray(0, log.length - 3),
    wantPayloads: [0, 1, 2],
    wantProblems: [{ kind: 'tail', offset: at(3), reason: /past the end/ }],
  },
  {
    name: 'zeros after the last frame (preallocated tail)',
    input: Buffer.concat([log, Buffer.alloc(64)]),
    wantPayloads: [0, 1, 2, 3],
    wantProblems: [{ kind: 'tail', offset: log.length, reason: /bad magic/ }],
  },
  {
    name: 'payload byte flipped in the middle',
    input: damaged((b) => {
      b[at(1) + FRAME_HEADER_BYTES + 2]! ^= 0x20;
      return b;
    }),
    wantPayloads: [0, 2, 3],
    wantProblems: [{ kind: 'corrupt', offset: at(1), reason: /checksum mismatch/ }],
  },
  {
    name: 'length field grown in the middle',
    input: damaged((b) => {
      b.writeUInt32LE(5000, at(1) + 4);
      return b;
    }),
    wantPayloads: [0, 2, 3],
    wantProblems: [{ kind: 'corrupt', offset: at(1), reason: /past the end/ }],
  },
  {
    name: 'length field shrunk in the middle',
    input: damaged((b) => {
      b.writeUInt32LE(2, at(2) + 4);
      return b;
    }),
    wantPayloads: [0, 1, 3],
    wantProblems: [{ kind: 'corrupt', offset: at(2), reason: /checksum mismatch/ }],
  },
  {
    name: 'magic overwritten on the first frame',
    input: damaged((b) => {
      b.fill(0x41, 0, 4);
      return b;
    }),
    wantPayloads: [1, 2, 3],
    wantProblems: [{ kind: 'corrupt', offset: 0, reason: /bad magic/ }],
  },
  {
    name: 'a whole frame zeroed in the middle',
    input: damaged((b) => {
      b.fill(0, at(1), at(2));
      return b;
    }),
    wantPayloads: [0, 2, 3],
    wantProblems: [{ kind: 'corrupt', offset: at(1), reason: /bad magic/ }],
  },
  {
    name: 'two separate corruptions',
    input: damaged((b) => {
      b[at(0) + FRAME_HEADER_BYTES]! ^= 1;
      b[at(2) + 9]! ^= 1;
      return b;
    }),
    wantPayloads: [1, 3],
    wantProblems: [
      { kind: 'corrupt', offset: at(0), reason: /checksum/ },
      { kind: 'corrupt', offset: at(2), reason: /checksum/ },
    ],
  },
];

for (const c of cases) {
  test(`scanFrames: ${c.name}`, () => {
    const r = scanFrames(c.input);
    assert.deepEqual(
      r.frames.map((f) => f.payload.toString()),
      c.wantPayloads.map((i) => payloads[i]!.toString()),
    );
    assert.equal(r.problems.length, c.wantProblems.length, JSON.stringify(r.problems));
    r.problems.forEach((p, i) => {
      const want = c.wantProblems[i]!;
      assert.equal(p.kind, want.kind);
      assert.equal(p.offset, want.offset);
      assert.match(p.reason, want.reason);
    });
    assert.equal(r.validEnd, r.frames.at(-1)?.end ?? 0);
  });
}

test('scanFrames: a payload containing the magic bytes cannot be produced by JSON', () => {
  // JSON.stringify escapes nothing into 0xFF/0xFE: they are not valid UTF-8 bytes at all.
  const text = JSON.stringify({ s: '\u00ff\u00fe\ufffd\uffff' });
  const bytes = Buffer.from(text);
  assert.equal(bytes.includes(0xff), false);
  assert.equal(bytes.includes(0xfe), false);
});
