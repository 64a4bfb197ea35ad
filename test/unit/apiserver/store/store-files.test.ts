import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeFileAtomic } from '../../../../src/apiserver/store/store-files.ts';

const root = mkdtempSync(join(tmpdir(), 'store-files-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('writeFileAtomic: a symlink planted at the old predictable temp name receives nothing', async () => {
  const dir = mkdtempSync(join(root, 'planted-'));
  const victim = join(root, `victim-${process.pid}`);
  writeFileSync(victim, 'untouched');
  // The name the previous implementation used for its temp file.
  symlinkSync(victim, join(dir, `kubeconfig.${process.pid}.tmp`));
  await writeFileAtomic(join(dir, 'kubeconfig'), 'token: secret\n');
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  assert.equal(readFileSync(join(dir, 'kubeconfig'), 'utf8'), 'token: secret\n');
  assert.equal(statSync(join(dir, 'kubeconfig')).mode & 0o777, 0o600);
  assert.equal(lstatSync(join(dir, 'kubeconfig')).isSymbolicLink(), false);
});

test('writeFileAtomic: temp names are random and leave nothing behind', async () => {
  const dir = mkdtempSync(join(root, 'clean-'));
  await Promise.all([1, 2, 3, 4].map((i) => writeFileAtomic(join(dir, `f${i}`), String(i))));
  assert.deepEqual(readdirSync(dir).sort(), ['f1', 'f2', 'f3', 'f4']);
});
