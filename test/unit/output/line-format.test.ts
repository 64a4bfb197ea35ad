import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLine, encodeLine } from '../../../src/output/line-format.ts';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

test('encode then decode gives the line back, for every stream', () => {
  for (const stream of ['stdout', 'stderr', 'notice'] as const) {
    for (const text of ['', 'plain', '  leading spaces', 'tabs\tand ünïcödé', 'O E - look-alikes']) {
      const stored = encodeLine(T, stream, text);
      assert.ok(stored.endsWith('\n'));
      assert.deepEqual(decodeLine(stored.slice(0, -1)), { time: '2026-01-02T03:04:05.006Z', stream, text });
    }
  }
});

test('lines not in the stored form are undefined', () => {
  for (const bad of ['', 'hello', '2026-01-02T03:04:05.006Z X text', '2026-01-02T03:04:05.006ZO text']) {
    assert.equal(decodeLine(bad), undefined, JSON.stringify(bad));
  }
});
