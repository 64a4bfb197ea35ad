import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../../src/runner/line-splitter.ts';

const cases: { name: string; max: number; chunks: string[]; want: string[] }[] = [
  { name: 'simple lines', max: 100, chunks: ['a\nb\n'], want: ['a', 'b'] },
  { name: 'line across chunks', max: 100, chunks: ['hel', 'lo\nwor', 'ld\n'], want: ['hello', 'world'] },
  { name: 'last line without newline is flushed at end', max: 100, chunks: ['a\nlast'], want: ['a', 'last'] },
  { name: 'empty lines kept', max: 100, chunks: ['\n\nx\n'], want: ['', '', 'x'] },
  { name: 'CRLF from a TTY', max: 100, chunks: ['a\r\nb\r\n'], want: ['a', 'b'] },
  { name: 'long line split at the bound', max: 4, chunks: ['abcdefghij\n'], want: ['abcd', 'efgh', 'ij'] },
  {
    name: 'long partial line split while it grows',
    max: 4,
    chunks: ['abc', 'def', 'ghi', '\n'],
    want: ['abcd', 'efgh', 'i'],
  },
  { name: 'exact multiple of the bound', max: 3, chunks: ['abcdef\n'], want: ['abc', 'def'] },
];

for (const c of cases) {
  test(`LineSplitter: ${c.name}`, () => {
    const got: string[] = [];
    const s = new LineSplitter(c.max, (l) => got.push(l));
    for (const ch of c.chunks) s.push(Buffer.from(ch));
    s.end();
    assert.deepEqual(got, c.want);
  });
}

test('LineSplitter: a UTF-8 character split across chunks stays whole', () => {
  const got: string[] = [];
  const s = new LineSplitter(100, (l) => got.push(l));
  const bytes = Buffer.from('grüße\n');
  s.push(bytes.subarray(0, 3));
  s.push(bytes.subarray(3));
  s.end();
  assert.deepEqual(got, ['grüße']);
});

const boundCases: { name: string; max: number; chunks: string[]; want: string[] }[] = [
  { name: 'CRLF split across chunks', max: 100, chunks: ['a\r', '\nb\r', '\n'], want: ['a', 'b'] },
  { name: 'CRLF right at the bound, in one chunk', max: 4, chunks: ['abcd\r\n'], want: ['abcd'] },
  { name: 'CRLF right at the bound, across chunks', max: 4, chunks: ['ab', 'cd\r', '\n'], want: ['abcd'] },
  { name: 'a lone CR inside a line is kept', max: 100, chunks: ['a\rb\n'], want: ['a\rb'] },
  {
    name: 'partial line completed by the next chunk',
    max: 100,
    chunks: ['abc', '', 'def\nx'],
    want: ['abcdef', 'x'],
  },
  { name: 'bound of one byte', max: 1, chunks: ['ab\n'], want: ['a', 'b'] },
];

for (const c of boundCases) {
  test(`LineSplitter: ${c.name}`, () => {
    const got: string[] = [];
    const s = new LineSplitter(c.max, (l) => got.push(l));
    for (const ch of c.chunks) s.push(Buffer.from(ch));
    s.end();
    assert.deepEqual(got, c.want);
  });
}

/** A small deterministic generator (tests stay reproducible). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

test('LineSplitter: any chunking of UTF-8 text gives the same lines', () => {
  const rnd = lcg(11);
  const alphabet = ['a', 'b', ' ', 'ü', '€', '𝄞', '\r'];
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    let l = '';
    const n = Math.floor(rnd() * 30);
    for (let j = 0; j < n; j++) l += alphabet[Math.floor(rnd() * alphabet.length)];
    lines.push(l.replace(/\r+$/, ''));
  }
  const bytes = Buffer.from(`${lines.join('\n')}\n`);
  for (let trial = 0; trial < 20; trial++) {
    const got: string[] = [];
    const s = new LineSplitter(1000, (l) => got.push(l));
    let pos = 0;
    while (pos < bytes.length) {
      const n = 1 + Math.floor(rnd() * 40);
      s.push(bytes.subarray(pos, pos + n));
      pos += n;
    }
    s.end();
    assert.deepEqual(got, lines, `trial ${trial}`);
  }
});

test('LineSplitter: an over-long line is cut on character boundaries, within the byte bound', () => {
  const line = 'ab€𝄞ü'.repeat(50);
  for (const max of [4, 5, 7, 16]) {
    for (const chunkSize of [1, 3, 1000]) {
      const got: string[] = [];
      const s = new LineSplitter(max, (l) => got.push(l));
      const bytes = Buffer.from(`${line}\n`);
      for (let i = 0; i < bytes.length; i += chunkSize) s.push(bytes.subarray(i, i + chunkSize));
      s.end();
      assert.equal(got.join(''), line, `max ${max}, chunks of ${chunkSize}`);
      for (const piece of got) {
        assert.ok(Buffer.byteLength(piece) <= max, `piece over the bound: ${piece}`);
        assert.ok(!piece.includes('\uFFFD'), `piece cut a character: ${piece}`);
      }
    }
  }
});

test('LineSplitter: lines stay valid after the chunk they came from is overwritten', () => {
  const got: string[] = [];
  const s = new LineSplitter(100, (l) => got.push(l));
  const chunk = Buffer.from('first\nsec');
  s.push(chunk);
  chunk.fill(0x78); // the caller reuses its buffer
  s.push(Buffer.from('ond\n'));
  assert.deepEqual(got, ['first', 'second']);
});
