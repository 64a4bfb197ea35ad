import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CheckOutcome, checkerFrom, formatOutcomes, runChecks } from '../../../src/http/index.ts';

const pass = (name: string): CheckOutcome => ({ name, ok: true });
const fail = (name: string, reason: string): CheckOutcome => ({ name, ok: false, reason });

const formatRows: { name: string; outcomes: CheckOutcome[]; verbose: boolean; want: string }[] = [
  { name: 'all pass', outcomes: [pass('a'), pass('b')], verbose: false, want: 'ok\n' },
  { name: 'no checks', outcomes: [], verbose: false, want: 'ok\n' },
  {
    name: 'all pass, verbose',
    outcomes: [pass('a'), pass('b')],
    verbose: true,
    want: '[+]a ok\n[+]b ok\nreadyz check passed\n',
  },
  {
    name: 'one fails: only the failing one is listed',
    outcomes: [pass('a'), fail('docker-local', 'connect ENOENT /x.sock')],
    verbose: false,
    want: '[-]docker-local failed: connect ENOENT /x.sock\nreadyz check failed\n',
  },
  {
    name: 'one fails, verbose lists all',
    outcomes: [pass('a'), fail('b', 'no')],
    verbose: true,
    want: '[+]a ok\n[-]b failed: no\nreadyz check failed\n',
  },
  {
    name: 'a multi-line reason becomes one line',
    outcomes: [fail('x', 'line one\n  line two')],
    verbose: false,
    want: '[-]x failed: line one line two\nreadyz check failed\n',
  },
];

for (const row of formatRows) {
  test(`formatOutcomes: ${row.name}`, () => {
    assert.equal(formatOutcomes('readyz', row.outcomes, row.verbose), row.want);
  });
}

test('runChecks: passing, throwing, rejecting, state-based and hanging checks', async () => {
  let aborted = false;
  const outcomes = await runChecks(
    [
      { name: 'sync-ok', check: () => {} },
      {
        name: 'sync-throw',
        check: () => {
          throw new Error('informer not synced');
        },
      },
      { name: 'async-reject', check: async () => Promise.reject(new Error('daemon down')) },
      checkerFrom('controller', () => ({ ok: false, reasons: ['leader unknown', 'cache cold'] })),
      checkerFrom('controller-ok', () => ({ ok: true, reasons: [] })),
      {
        name: 'hangs',
        check: (signal) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              resolve();
            });
          }),
      },
    ],
    50,
  );
  assert.deepEqual(outcomes, [
    { name: 'sync-ok', ok: true },
    { name: 'sync-throw', ok: false, reason: 'informer not synced' },
    { name: 'async-reject', ok: false, reason: 'daemon down' },
    { name: 'controller', ok: false, reason: 'leader unknown; cache cold' },
    { name: 'controller-ok', ok: true },
    { name: 'hangs', ok: false, reason: 'no answer within 50 ms' },
  ]);
  assert.equal(aborted, true, 'the hanging check was told to stop');
});
