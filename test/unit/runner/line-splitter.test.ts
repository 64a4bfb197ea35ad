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
