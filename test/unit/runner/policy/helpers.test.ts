import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesPattern } from '../../../../src/runner/policy/patterns.ts';
import { bindsHostPath } from '../../../../src/runner/policy/rules/named-volumes.ts';
import { isNumericNonRoot, numericUid } from '../../../../src/runner/policy/user-id.ts';

const patterns: { name: string; pattern: string; want: boolean }[] = [
  { name: 'db', pattern: 'db', want: true },
  { name: 'db2', pattern: 'db', want: false },
  { name: 'web-1', pattern: 'web-*', want: true },
  { name: 'web-', pattern: 'web-*', want: true },
  { name: 'xweb-1', pattern: 'web-*', want: false },
  { name: 'a-b-c', pattern: '*-b-*', want: true },
  { name: 'ab', pattern: 'a*b*', want: true },
  { name: 'aXbXa', pattern: 'a*a', want: true },
  { name: 'a', pattern: 'a*a', want: false },
  { name: 'anything', pattern: '*', want: true },
];
for (const p of patterns) {
  test(`matchesPattern(${p.name}, ${p.pattern}) = ${p.want}`, () =>
    assert.equal(matchesPattern(p.name, p.pattern), p.want));
}

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

const volumes: { name: string; driver: string; options: Record<string, string>; want: boolean }[] = [
  { name: 'plain local', driver: 'local', options: {}, want: false },
  { name: 'bind by o=bind', driver: 'local', options: { o: 'bind', device: '/etc' }, want: true },
  { name: 'bind by o=ro,rbind', driver: 'local', options: { o: 'ro,rbind', device: 'x' }, want: true },
  { name: 'type none', driver: 'local', options: { type: 'none' }, want: true },
  { name: 'block device', driver: 'local', options: { type: 'ext4', device: '/dev/sda1' }, want: true },
  { name: 'tmpfs', driver: 'local', options: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, want: false },
  {
    name: 'nfs',
    driver: 'local',
    options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' },
    want: false,
  },
  { name: 'plugin driver', driver: 'rexray', options: { o: 'bind' }, want: false },
];
for (const v of volumes) {
  test(`bindsHostPath: ${v.name} = ${v.want}`, () =>
    assert.equal(bindsHostPath({ name: 'v', driver: v.driver, options: v.options }), v.want));
}
