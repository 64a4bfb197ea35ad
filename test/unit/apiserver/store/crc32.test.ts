import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32, crc32Table } from '../../../../src/apiserver/store/crc32.ts';

const cases: { name: string; input: Buffer; want: number }[] = [
  { name: 'empty', input: Buffer.alloc(0), want: 0 },
  { name: 'check value "123456789"', input: Buffer.from('123456789'), want: 0xcbf43926 },
  { name: 'one zero byte', input: Buffer.from([0]), want: 0xd202ef8d },
  { name: 'pangram', input: Buffer.from('The quick brown fox jumps over the lazy dog'), want: 0x414fa339 },
];

for (const c of cases) {
  test(`crc32: ${c.name}`, () => {
    assert.equal(crc32(c.input), c.want);
    assert.equal(crc32Table(c.input), c.want);
  });
}

test('crc32: native and table agree on random data, and continue over split input', () => {
  for (let i = 0; i < 50; i++) {
    const data = randomBytes(1 + i * 37);
    const cut = Math.floor(data.length / 3);
    assert.equal(crc32(data), crc32Table(data));
    assert.equal(crc32(data.subarray(cut), crc32(data.subarray(0, cut))), crc32(data));
    assert.equal(crc32Table(data.subarray(cut), crc32Table(data.subarray(0, cut))), crc32(data));
  }
});
