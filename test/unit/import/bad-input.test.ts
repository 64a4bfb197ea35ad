/**
 * Bad input gets one clear line with its place, never an exception: malformed INI (with the line
 * number), unknown sections and keys, label values that are not JSON where JSON is expected, and
 * schedules Ofelia accepts that we cannot translate (or that neither accepts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIssue, importIni, importLabels } from '../../../src/import/index.ts';
import { readIni } from '../../../src/import/ini-reader.ts';
import { translateSchedule } from '../../../src/import/schedule.ts';
import { splitShellWords } from '../../../src/import/shell-words.ts';

const MALFORMED: Array<{ name: string; text: string; line: number; message: RegExp }> = [
  {
    name: 'unclosed section header',
    text: '[global]\n[job-exec "x"\nschedule = @daily\n',
    line: 2,
    message: /not closed with \]/,
  },
  { name: 'header with junk', text: '[job-exec x y]\n', line: 1, message: /malformed section header/ },
  {
    name: 'key outside a section',
    text: '; top\nschedule = @daily\n',
    line: 2,
    message: /outside any \[section\]/,
  },
  { name: 'not a key', text: '[global]\n= value\n', line: 2, message: /expected "key = value"/ },
  {
    name: 'unterminated quote',
    text: '[global]\n\n\nslack-webhook = "https://x\n',
    line: 4,
    message: /unterminated quoted value/,
  },
  { name: 'binary', text: '[global]\0\n', line: 1, message: /binary content/ },
  { name: 'too large', text: `[global]\nx = ${'a'.repeat(1024 * 1024)}\n`, line: 1, message: /larger than/ },
];

for (const row of MALFORMED) {
  test(`malformed INI: ${row.name}`, () => {
    const read = readIni(row.text, 'conf/ofelia.ini');
    assert.equal(read.ok, false);
    if (read.ok) return;
    assert.equal(read.error.line, row.line);
    assert.match(read.error.message, /^conf\/ofelia\.ini:\d+: /);
    assert.match(read.error.message, row.message);
    // Through the whole import: the same error, nothing translated.
    const imported = importIni([{ source: 'conf/ofelia.ini', text: row.text }], {
      namespace: 'default',
      includeSecrets: false,
    });
    assert.equal(imported.ok, false);
  });
}

test('the INI grammar: comments, continuation, bare keys, quoted names, CRLF', () => {
  const read = readIni(
    '\uFEFF# c\r\n[Job-Exec "a \\"b\\""]  ; trailing\r\nschedule = @daily ; inline\r\ncommand = echo one \\\r\n  two\r\ntty\r\nurl = http://x/#frag\r\n',
    'f.ini',
  );
  assert.ok(read.ok);
  if (!read.ok) return;
  const [s] = read.document.sections;
  assert.equal(s?.kind, 'job-exec');
  assert.equal(s?.name, 'a "b"');
  assert.deepEqual(
    s?.entries.map((e) => [e.rawKey, e.value, e.line]),
    [
      ['schedule', '@daily', 3],
      ['command', 'echo one two', 4],
      ['tty', 'true', 6],
      ['url', 'http://x/#frag', 7],
    ],
  );
});

const SCHEDULES: Array<{ schedule: string; ok: boolean; want?: string; reason?: RegExp }> = [
  { schedule: '0 1 * * *', ok: true, want: '0 1 * * *' },
  { schedule: '30 0 1 * * *', ok: true, want: '30 0 1 * * *' },
  { schedule: '@every 2h30m', ok: true, want: '@every 2h30m' },
  { schedule: '@every 100ms', ok: true, want: '@every 1s' },
  { schedule: '@triggered', ok: true, want: '@manual' },
  // robfig/cron accepts these; we cannot say the same thing.
  { schedule: '* * * * * * *', ok: false, reason: /expected 5 fields .* or 6/ },
  { schedule: 'CRON_TZ=Mars/Olympus 0 1 * * *', ok: false, reason: /not a known IANA zone/ },
  { schedule: '0 0 31 2 *', ok: false, reason: /never fires/ },
  { schedule: 'H * * * *', ok: false, reason: /not robfig\/cron syntax/ },
  { schedule: '@every soon', ok: false, reason: /not a duration/ },
  { schedule: '@fortnightly', ok: false, reason: /unknown macro/ },
  { schedule: '', ok: false, reason: /empty/ },
];

for (const row of SCHEDULES) {
  test(`schedule "${row.schedule}"`, () => {
    const t = translateSchedule(row.schedule);
    assert.equal(t.ok, row.ok, JSON.stringify(t));
    if (t.ok) assert.equal(t.schedule, row.want);
    else assert.match(t.reason, row.reason!);
  });
}

test('an untranslatable schedule is one line with file, line, section and key; the job is left out', () => {
  const r = importIni(
    [
      {
        source: 'ofelia.ini',
        text: '[job-exec "x"]\ncontainer = app\ncommand = true\nschedule = 0 0 31 2 *\n',
      },
    ],
    { namespace: 'default', includeSecrets: false },
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.jobs.length, 0);
  assert.deepEqual(r.issues.map(formatIssue), [
    'ofelia.ini:4: [job-exec "x"] schedule: cannot be translated: "0 0 31 2 *" never fires (no such date in any year); the job is left out',
  ]);
});

test('unknown sections and keys, missing names and commands, bad booleans and durations', () => {
  const r = importIni(
    [
      {
        source: 'o.ini',
        text: [
          '[job-cron "x"]',
          'schedule = @daily',
          '[job-exec]',
          'schedule = @daily',
          '[job-exec "no-command"]',
          'schedule = @daily',
          'container = app',
          '[job-exec "typo"]',
          'schedule = @daily',
          'container = app',
          'command = true',
          'comand = true',
          '[job-run "bad"]',
          'schedule = @daily',
          'image = alpine',
          'delete = maybe',
          'max-runtime = forever',
          '[job-exec "quote"]',
          'schedule = @daily',
          'container = app',
          "command = sh -c 'echo",
          '[job-run "bad-image"]',
          'schedule = @daily',
          'image = Not An Image',
        ].join('\n'),
      },
    ],
    { namespace: 'default', includeSecrets: false },
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(
    r.jobs.map((j) => j.metadata.name),
    ['typo'],
  );
  const lines = r.issues.map(formatIssue);
  const expect = [
    /^o\.ini:1: \[job-cron "x"\]: unknown section kind "job-cron"/,
    /^o\.ini:3: \[job-exec\]: a job section needs a name/,
    /^o\.ini:5: \[job-exec "no-command"\] command: command is required; the job is left out$/,
    /^o\.ini:12: \[job-exec "typo"\] comand: unknown key for job-exec$/,
    /^o\.ini:16: \[job-run "bad"\] delete: "maybe" is not a boolean/,
    /^o\.ini:17: \[job-run "bad"\] max-runtime: "forever" is not a Go duration/,
    /^o\.ini:21: \[job-exec "quote"\] command: unterminated single quote/,
    /^o\.ini:22: \[job-run "bad-image"\]: the translated job is not valid: spec\.run\.image: /,
  ];
  assert.equal(lines.length, expect.length, lines.join('\n'));
  for (const [i, re] of expect.entries()) assert.match(lines[i]!, re);
});

test('labels: a value that is not JSON where a JSON array is expected is one line naming the container and label', () => {
  const t = importLabels(
    [
      {
        id: 'c1',
        name: '/shop-web-1',
        labels: {
          'ofelia.enabled': 'true',
          'ofelia.job-exec.flush.schedule': '@hourly',
          'ofelia.job-exec.flush.command': 'flush',
          'ofelia.job-exec.flush.environment': '["A=1", B=2]',
          'ofelia.job-exec.ok.schedule': '@hourly',
          'ofelia.job-exec.ok.command': 'true',
          'ofelia.job-exec.ok.environment': '{"A":"1"}',
          'ofelia.job-local.host.schedule': '@daily',
          'ofelia.slack-webhook': 'https://hooks.example/x',
          'ofelia.job-exec.broken': 'x',
        },
      },
    ],
    { namespace: 'default', includeSecrets: false, origin: 'docker' },
  );
  const lines = t.issues.map(formatIssue);
  assert.ok(
    lines.some((l) => /^docker:shop-web-1: \[job-exec "flush"\] environment: not valid JSON/.test(l)),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) =>
      /^docker:shop-web-1: \[job-exec "ok"\] environment: expected a JSON array of strings/.test(l),
    ),
  );
  assert.ok(
    lines.some((l) =>
      /label ofelia\.job-local\.host\.schedule: job-local labels are read only from the container labelled ofelia\.service=true/.test(
        l,
      ),
    ),
  );
  assert.ok(lines.some((l) => /label ofelia\.slack-webhook: global keys are read only/.test(l)));
  assert.ok(lines.some((l) => /label ofelia\.job-exec\.broken: expected ofelia\./.test(l)));
  // The job with a bad value is still made from its other labels, without the bad key.
  assert.deepEqual(t.jobs.map((j) => j.metadata.name).sort(), ['shop-web-1-flush', 'shop-web-1-ok']);
});

test('shell words: quotes and escapes; an unterminated quote is an error', () => {
  assert.deepEqual(splitShellWords(`a 'b c' "d \\"e\\"" f\\ g`), {
    ok: true,
    words: ['a', 'b c', 'd "e"', 'f g'],
  });
  assert.deepEqual(splitShellWords(`''`), { ok: true, words: [''] });
  assert.equal(splitShellWords(`"open`).ok, false);
});
