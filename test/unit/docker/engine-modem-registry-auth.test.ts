import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryAuthHeader } from '../../../src/docker/engine-modem.ts';

// Go's base64.URLEncoding (what the daemon decodes with) needs the padding and the URL alphabet.
const cases = [
  { name: 'padded to a multiple of 4', auth: { serveraddress: 'r:1', username: 'u', password: 'p' } },
  {
    name: 'bytes that map to + and / in plain base64',
    auth: { serveraddress: '~~~>>>???', password: '\u00ff\u00fe' },
  },
];
for (const c of cases) {
  test(`registryAuthHeader: ${c.name}`, () => {
    const h = registryAuthHeader(c.auth);
    assert.equal(h.length % 4, 0);
    assert.doesNotMatch(h, /[+/]/);
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), c.auth);
  });
}
