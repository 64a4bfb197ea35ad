import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindsHostPath } from '../../../../../src/runner/policy/rules/named-volumes.ts';

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
