import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteRing } from '../../../src/runner/ring-buffer.ts';

const cases: { name: string; cap: number; writes: string[]; want: string }[] = [
  { name: 'under capacity', cap: 10, writes: ['abc', 'de'], want: 'abcde' },
  { name: 'exactly full', cap: 5, writes: ['abc', 'de'], want: 'abcde' },
  { name: 'wraps', cap: 5, writes: ['abc', 'def'], want: 'bcdef' },
  { name: 'one write larger than the ring', cap: 4, writes: ['abcdefgh'], want: 'efgh' },
  { name: 'many small writes', cap: 3, writes: ['a', 'b', 'c', 'd', 'e'], want: 'cde' },
  { name: 'wrap then a write that fills exactly', cap: 4, writes: ['abcdef', 'gh'], want: 'efgh' },
  { name: 'zero capacity keeps nothing', cap: 0, writes: ['abc'], want: '' },
];

for (const c of cases) {
  test(`ByteRing: ${c.name}`, () => {
    const r = new ByteRing(c.cap);
    for (const w of c.writes) r.write(Buffer.from(w));
    assert.equal(r.text(), c.want);
    assert.equal(r.written, c.writes.join('').length);
  });
}

test('ByteRing: matches the tail of everything written, for random writes', () => {
  let all = '';
  const r = new ByteRing(97);
  let seed = 7;
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const s = String(i).repeat((seed % 40) + 1);
    all += s;
    r.write(Buffer.from(s));
    assert.equal(r.text(), all.slice(-97));
  }
});

test('ByteRing: a multi-byte character cut at the start is dropped, not garbled', () => {
  const r = new ByteRing(4);
  r.write(Buffer.from('xü-ab')); // ü is 2 bytes: the ring keeps its second byte + '-ab'
  assert.equal(r.text(), '-ab');
});
