import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConfigIO, parseConfig } from '../../../src/config/index.ts';

const io: ConfigIO = {
  hostname: 'node-a',
  readFile() {
    throw new Error('ENOENT');
  },
} as unknown as ConfigIO;

test('--notify-save-dir (repeatable, or comma-separated env) and --notify-dashboard-url', () => {
  const none = parseConfig([], {}, io);
  assert.ok(none.ok, JSON.stringify(none));
  assert.deepEqual(none.config.notify, { saveDirs: [], dashboardUrl: undefined });
  const flags = parseConfig(
    [
      '--notify-save-dir',
      '/var/log/ofelia/',
      '--notify-save-dir',
      '/srv/out',
      '--notify-dashboard-url',
      'https://d.test/ui/',
    ],
    {},
    io,
  );
  assert.ok(flags.ok, JSON.stringify(flags));
  assert.deepEqual(flags.config.notify, {
    saveDirs: ['/var/log/ofelia', '/srv/out'],
    dashboardUrl: 'https://d.test/ui',
  });
  const env = parseConfig([], { OFELIA_NOTIFY_SAVE_DIRS: '/a,/b' }, io);
  assert.ok(env.ok);
  assert.deepEqual(env.config.notify.saveDirs, ['/a', '/b']);
});

test('bad notification flags are one-line errors naming the flag', () => {
  for (const argv of [
    ['--notify-save-dir', 'relative/dir'],
    ['--notify-save-dir', '/a/../b'],
    ['--notify-dashboard-url', 'ftp://x.test'],
  ]) {
    const r = parseConfig(argv, {}, io);
    assert.equal(r.ok, false, argv.join(' '));
    if (!r.ok) assert.match(r.error.message, new RegExp(argv[0] as string));
  }
});
