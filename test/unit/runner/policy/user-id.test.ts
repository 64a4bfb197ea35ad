import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNumericNonRoot, numericUid } from '../../../../src/runner/policy/user-id.ts';

const users: { user: string | undefined; uid: number | undefined; nonRoot: boolean }[] = [
  { user: undefined, uid: undefined, nonRoot: false },
  { user: '', uid: undefined, nonRoot: false },
  { user: '0', uid: 0, nonRoot: false },
  { user: '0:0', uid: 0, nonRoot: false },
  { user: '1000', uid: 1000, nonRoot: true },
  { user: '1000:0', uid: 1000, nonRoot: true },
  { user: 'root', uid: undefined, nonRoot: false },
  { user: 'app:app', uid: undefined, nonRoot: false },
  { user: '-1', uid: undefined, nonRoot: false },
];
for (const u of users) {
  test(`user ${JSON.stringify(u.user)}: uid ${u.uid}, non-root ${u.nonRoot}`, () => {
    assert.equal(numericUid(u.user), u.uid);
    assert.equal(isNumericNonRoot(u.user), u.nonRoot);
  });
}
