import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeContinue, encodeContinue } from '../../../../src/apiserver/registry/continue-token.ts';
import { ApiError } from '../../../../src/apiserver/status-errors.ts';

test('continue tokens round-trip, are URL-safe and opaque', () => {
  const pos = { rv: 42, after: 'ofelia.dev/scheduleddockerjobs/ops/backup-ü' };
  const token = encodeContinue(pos);
  assert.match(token, /^[A-Za-z0-9_-]+$/);
  assert.ok(!token.includes('backup'));
  assert.deepEqual(decodeContinue(token), pos);
});

for (const bad of [
  '',
  'not-base64!',
  Buffer.from('{"v":2,"rv":1,"k":"x"}').toString('base64url'),
  Buffer.from('[]').toString('base64url'),
  Buffer.from('{"v":1,"rv":"1","k":"x"}').toString('base64url'),
]) {
  test(`a malformed continue token ${JSON.stringify(bad)} is a 400`, () => {
    assert.throws(
      () => decodeContinue(bad),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });
}
