import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoryBytes, nanoCpus } from '../../../src/api/quantity.ts';

const memory: Array<{ text: string; want: number | RegExp }> = [
  // ---- binary and decimal suffixes
  { text: '128Mi', want: 128 * 1024 ** 2 },
  { text: '1Gi', want: 1024 ** 3 },
  { text: '1.5Gi', want: 1.5 * 1024 ** 3 },
  { text: '1G', want: 1e9 },
  { text: '500M', want: 5e8 },
  { text: '6Mi', want: 6 * 1024 ** 2 },
  { text: '8192k', want: 8_192_000 },
  { text: '1e9', want: 1e9 },
  { text: '1E9', want: 1e9 }, // E alone is exa, E9 is an exponent
  { text: '7000000', want: 7_000_000 },
  { text: '1Ti', want: 1024 ** 4 },
  // ---- refused
  { text: '512m', want: /whole number of bytes/ },
  { text: '0.5', want: /whole number of bytes/ },
  { text: '1.0000001Gi', want: /whole number of bytes/ },
  { text: '1Mi', want: /at least 6Mi/ },
  { text: '0', want: /at least 6Mi/ },
  { text: '-1Gi', want: /at least 6Mi/ },
  { text: '16Ei', want: /too large/ },
  { text: '1 Gi', want: /quantity/ },
  { text: '1GB', want: /quantity/ },
  { text: 'Gi', want: /quantity/ },
  { text: '', want: /quantity/ },
  { text: '1e999', want: /exponent/ },
  { text: '1'.repeat(100), want: /at most 64 characters/ },
];

for (const c of memory) {
  test(`memory ${JSON.stringify(c.text)}`, () => {
    const got = memoryBytes(c.text);
    if (typeof c.want === 'number') assert.deepEqual(got, { ok: true, value: c.want });
    else {
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.reason, c.want);
    }
  });
}

const cpus: Array<{ text: string; want: number | RegExp }> = [
  { text: '0.5', want: 500_000_000 },
  { text: '500m', want: 500_000_000 },
  { text: '2', want: 2_000_000_000 },
  { text: '0.1', want: 100_000_000 }, // exact: no float rounding
  { text: '10m', want: 10_000_000 },
  { text: '1024', want: 1024e9 },
  { text: '.25', want: 250_000_000 },
  { text: '0', want: /greater than zero/ },
  { text: '-1', want: /greater than zero/ },
  { text: '1m', want: /at least 10m/ },
  { text: '0.0000000001', want: /nano-core/ },
  { text: '1025', want: /at most 1024 cores/ },
  { text: 'half', want: /quantity/ },
];

for (const c of cpus) {
  test(`cpus ${JSON.stringify(c.text)}`, () => {
    const got = nanoCpus(c.text);
    if (typeof c.want === 'number') assert.deepEqual(got, { ok: true, value: c.want });
    else {
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.reason, c.want);
    }
  });
}
