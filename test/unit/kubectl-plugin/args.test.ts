import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PluginArgs, parseArgs } from '../../../src/kubectl-plugin/args.ts';

const rows: { argv: string[]; want: Partial<PluginArgs> | string | 'help' }[] = [
  { argv: ['run', 'job', '--wait'], want: { command: 'run', name: 'job', wait: true, timeoutMs: 600_000 } },
  { argv: ['-n', 'team', 'logs', 'job', '-f'], want: { command: 'logs', namespace: 'team', follow: true } },
  { argv: ['logs', 'job', '--run=3'], want: { run: '3', previous: false } },
  { argv: ['logs', 'job', '--previous', '--timestamps'], want: { previous: true, timestamps: true } },
  { argv: ['next', '-A'], want: { command: 'next', name: undefined, allNamespaces: true } },
  { argv: ['run', 'j', '--timeout', '90s', '--context', 'ctx'], want: { timeoutMs: 90_000, context: 'ctx' } },
  {
    argv: ['suspend', 'j', '--kubeconfig', '/k', '--dashboard', 'http://x'],
    want: { kubeconfig: '/k', dashboard: 'http://x' },
  },
  // help and errors
  { argv: [], want: 'help' },
  { argv: ['--help'], want: 'help' },
  { argv: ['next', 'job'], want: 'next: takes no NAME (use -n or -A)' },
  { argv: ['history'], want: 'history: the job NAME is required' },
  { argv: ['logs', 'j', '--bogus'], want: 'unknown flag --bogus' },
  { argv: ['logs', 'j', '-n'], want: '-n: needs a value' },
  { argv: ['run', 'a', 'b'], want: 'unexpected argument "b"' },
  {
    argv: ['run', 'j', '--timeout', '5d'],
    want: '--timeout: expected a duration such as 90s, 10m or 1h, got "5d"',
  },
];

for (const r of rows) {
  test(`kubectl sdj ${r.argv.join(' ')}`, () => {
    const got = parseArgs(r.argv);
    if (r.want === 'help') return assert.equal(got.ok, 'help');
    if (typeof r.want === 'string') return assert.deepEqual(got, { ok: false, error: r.want });
    assert.equal(got.ok, true);
    if (got.ok !== true) return;
    for (const [k, v] of Object.entries(r.want)) assert.deepEqual(got.args[k as keyof PluginArgs], v, k);
  });
}
