/**
 * The compiled build: `npm run build` (tsc, tsconfig.build.json) turns src/ into dist/, and the
 * installed command (bin/ofelia-operator.js, also the image's entrypoint) runs that JavaScript, not
 * the TypeScript sources through tsx; OFELIA_FROM_SOURCES=1 still runs the sources. `.ci/run`
 * builds before the tests; run after an edit (dist/ older than src/), this test builds itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compiledBuildIsFresh, runToExit } from '../helpers/operator-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
let home = '';

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'ofelia-build-'));
  if (!compiledBuildIsFresh()) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }
  assert.ok(compiledBuildIsFresh(), 'dist/ is built from the current sources');
});
test.after(() => rm(home, { recursive: true, force: true }));

test('compiled build: the installed command runs dist/*.js; OFELIA_FROM_SOURCES=1 runs the sources', async () => {
  const compiled = await runToExit({ args: ['version'], home });
  assert.equal(compiled.code, 0, compiled.stderr);
  assert.match(compiled.stdout, /^ofelia-operator \d+\.\d+\.\d+ \(.*, compiled\)\n$/);
  const sources = await runToExit({ args: ['version'], home, env: { OFELIA_FROM_SOURCES: '1' } });
  assert.equal(sources.code, 0, sources.stderr);
  assert.match(sources.stdout, /, sources\)\n$/);
});

test('compiled build: every source module has its JavaScript, relative imports rewritten to .js', () => {
  const main = readFileSync(join(root, 'dist', 'main.js'), 'utf8');
  assert.doesNotMatch(main, /from ['"]\.{1,2}\/[^'"]+\.ts['"]/);
  const commands = readFileSync(join(root, 'dist', 'cli', 'commands.js'), 'utf8');
  assert.match(commands, /import\(["']\.\/run\.js["']\)/);
});

test('compiled build: a command that fails still reports as the sources do (exit 2, one line)', async () => {
  const r = await runToExit({ args: ['run', '--status-writes-per-second=0'], home });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--status-writes-per-second/);
});
