/**
 * Three places read what a dependency does not promise (measured wins, each with a fallback):
 * croner's year table (trimmed to save ~80 KB per evaluator, src/schedule/evaluators.ts),
 * sonic-boom's unwritten byte count `_len` (bounds the log sink, src/runner/output-sink.ts), and
 * docker-modem's `_query`/`_body` request convention (carried out by our own modem,
 * src/docker/engine-modem.ts). Those dependencies are pinned to exact versions, and this test
 * fails when the installed versions stop behaving as the code assumes — so an upgrade is a
 * decision, not an accident.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import pino from 'pino';
import { evaluatorYearTablesTrimmed } from '../../../src/schedule/evaluators.ts';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};

for (const name of ['croner', 'pino', 'sonic-boom', 'dockerode', 'docker-modem']) {
  test(`${name} is pinned to the exact version installed`, () => {
    const wanted = pkg.dependencies[name];
    assert.match(wanted ?? '', /^\d+\.\d+\.\d+$/, `package.json pins ${name} exactly`);
    const installed = (require(`${name}/package.json`) as { version: string }).version;
    assert.equal(installed, wanted);
  });
}

test('croner: the private year table is found and trimmed (evaluators self-check passed)', () => {
  assert.equal(evaluatorYearTablesTrimmed, true);
});

test('sonic-boom: an asynchronous pino destination exposes its unwritten byte count as _len', () => {
  const dest = pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
  const log = pino(dest);
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { _len?: unknown };
  assert.equal(typeof stream._len, 'number');
  log.info('x');
  assert.ok((stream._len as number) > 0, 'bytes held before the flush');
  dest.destroy();
});

test('docker-modem: dockerode calls pass the query and body as _query/_body (as our modem expects)', () => {
  const source = readFileSync(require.resolve('docker-modem/lib/modem.js'), 'utf8');
  assert.match(source, /opts\._query \|\| opts/);
  assert.match(source, /opts\._body \|\| opts/);
});
