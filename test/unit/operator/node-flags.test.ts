/**
 * The operator's node flags (V8's young generation bound, docs/performance.md) are the same
 * wherever the operator is started: the installed command's shebang, the image's ENTRYPOINT and
 * `npm start`. A flag changed in one place only would make the image or the README's command
 * behave unlike what was measured.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The words after `node` and before the first that is not a flag (the script, or --import's value). */
function nodeFlags(words: readonly string[]): string[] {
  const node = words.indexOf('node');
  assert.notEqual(node, -1, `no node in ${words.join(' ')}`);
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (!w.startsWith('--') || w === '--import') break;
    flags.push(w);
  }
  return flags;
}

test('the bin, the image and npm start run node with the same flags', () => {
  const shebang = read('bin/ofelia-operator.js').split('\n', 1)[0]!;
  assert.match(shebang, /^#!\/usr\/bin\/env -S node /, 'env -S: a shebang with flags needs it on Linux');
  const fromBin = nodeFlags(shebang.slice(2).trim().split(/\s+/));
  assert.ok(fromBin.includes('--max-semi-space-size=4'), fromBin.join(' '));

  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'));
  assert.ok(entrypoint, 'the Dockerfile has an ENTRYPOINT in exec form');
  assert.deepEqual(nodeFlags(JSON.parse(entrypoint[1]!) as string[]), fromBin);

  const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
  assert.deepEqual(nodeFlags(start.split(/\s+/)), fromBin);
});
