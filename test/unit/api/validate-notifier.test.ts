import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesSelector } from '../../../src/api/label-selector.ts';
import { parseTemplate, renderTemplate } from '../../../src/api/notifier-template.ts';
import { validateJobNotifier } from '../../../src/api/validate-notifier.ts';

const notifier = (spec: Record<string, unknown>) => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'JobNotifier',
  metadata: { name: 'n', namespace: 'default' },
  spec,
});

test('defaults: events unset (Failed+Recovered at delivery), cooldown 0, timeout 10 s, queue 100, tail 2 KiB', () => {
  const r = validateJobNotifier(notifier({ type: 'slack', address: 'https://hooks.slack.test/T/B/x' }));
  assert.ok(r.ok);
  assert.equal(r.notifier.spec.cooldownSeconds, 0);
  assert.equal(r.notifier.spec.timeoutSeconds, 10);
  assert.equal(r.notifier.spec.queueLimit, 100);
  assert.equal(r.notifier.spec.outputTailBytes, 2048);
  assert.equal(r.notifier.spec.events, undefined);
});

const rows: Array<{ name: string; spec: Record<string, unknown>; field: string; reason?: string }> = [
  // ---- where
  { name: 'unknown type', spec: { type: 'fax' }, field: 'spec.type', reason: 'FieldValueNotSupported' },
  { name: 'no address', spec: { type: 'discord' }, field: 'spec.address', reason: 'FieldValueRequired' },
  { name: 'not a URL', spec: { type: 'ntfy', address: 'ntfy.sh/topic' }, field: 'spec.address' },
  { name: 'not http', spec: { type: 'webhook', address: 'ftp://x.test/' }, field: 'spec.address' },
  {
    name: 'credentials in URL',
    spec: { type: 'webhook', address: 'https://a:b@x.test/' },
    field: 'spec.address',
  },
  {
    name: 'address and addressFrom',
    spec: {
      type: 'webhook',
      address: 'https://x.test',
      addressFrom: { secretKeyRef: { name: 's', key: 'k' } },
    },
    field: 'spec.addressFrom',
  },
  {
    name: 'header without value',
    spec: { type: 'webhook', address: 'https://x.test', headers: [{ name: 'X-A' }] },
    field: 'spec.headers[0]',
  },
  {
    name: 'header name not a token',
    spec: { type: 'webhook', address: 'https://x.test', headers: [{ name: 'X A', value: 'v' }] },
    field: 'spec.headers[0].name',
  },
  { name: 'pagerduty without credentials', spec: { type: 'pagerduty' }, field: 'spec.credentialsFrom' },
  // ---- per type
  {
    name: 'email without settings',
    spec: { type: 'email' },
    field: 'spec.email',
    reason: 'FieldValueRequired',
  },
  {
    name: 'subject that does not parse',
    spec: { type: 'email', email: { host: 'h', from: 'a@b.c', to: ['d@e.f'], subject: '{{job}} {{nope}}' } },
    field: 'spec.email.subject',
  },
  {
    name: 'bad recipient',
    spec: { type: 'email', email: { host: 'h', from: 'a@b.c', to: ['nobody'] } },
    field: 'spec.email.to[0]',
  },
  {
    name: 'save relative folder',
    spec: { type: 'save', save: { folder: 'out' } },
    field: 'spec.save.folder',
  },
  {
    name: 'save with ..',
    spec: { type: 'save', save: { folder: '/srv/../etc' } },
    field: 'spec.save.folder',
  },
  {
    name: 'address on save',
    spec: { type: 'save', address: 'https://x.test', save: { folder: '/srv' } },
    field: 'spec.address',
  },
  // ---- which / how often
  {
    name: 'In without values',
    spec: {
      type: 'webhook',
      address: 'https://x.test',
      jobSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] },
    },
    field: 'spec.jobSelector.matchExpressions[0].values',
  },
  {
    name: 'bad label key',
    spec: { type: 'webhook', address: 'https://x.test', jobSelector: { matchLabels: { 'a/b/c': 'x' } } },
    field: 'spec.jobSelector.matchLabels',
  },
  {
    name: 'unknown event',
    spec: { type: 'webhook', address: 'https://x.test', events: ['Exploded'] },
    field: 'spec.events[0]',
  },
  {
    name: 'backoffs out of order',
    spec: {
      type: 'webhook',
      address: 'https://x.test',
      retry: { initialBackoffSeconds: 10, maxBackoffSeconds: 5 },
    },
    field: 'spec.retry.initialBackoffSeconds',
  },
];

for (const row of rows)
  test(`rejected: ${row.name} -> ${row.field}`, () => {
    const r = validateJobNotifier(notifier(row.spec));
    assert.equal(r.ok, false);
    if (r.ok) return;
    const cause = r.causes.find((c) => c.field === row.field);
    assert.ok(cause, `${row.field} in ${JSON.stringify(r.causes)}`);
    if (row.reason) assert.equal(cause.reason, row.reason);
  });

test('a header value is never echoed in a cause', () => {
  const r = validateJobNotifier(
    notifier({ type: 'webhook', address: 'https://x.test', headers: [{ name: 'A', value: 42 }] }),
  );
  assert.equal(r.ok, false);
  assert.ok(!JSON.stringify(r).includes('42'));
});

test('templates: placeholders replaced, unknown names and unbalanced braces refused', () => {
  assert.equal(
    renderTemplate('[{{event}}] {{ namespace }}/{{job}}', { event: 'Failed', namespace: 'ns', job: 'j' }),
    '[Failed] ns/j',
  );
  assert.equal(parseTemplate('plain').ok, true);
  assert.equal(parseTemplate('{{job').ok, false);
  assert.equal(parseTemplate('job}}').ok, false);
  assert.equal(parseTemplate('{{secret}}').ok, false);
});

test('label selectors: matchLabels and every operator', () => {
  const labels = { team: 'a', tier: 'web' };
  const rows: Array<[unknown, boolean]> = [
    [undefined, true],
    [{ matchLabels: { team: 'a' } }, true],
    [{ matchLabels: { team: 'b' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'db'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['web'] }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
  ];
  for (const [selector, want] of rows)
    assert.equal(
      matchesSelector(selector as Parameters<typeof matchesSelector>[0], labels),
      want,
      JSON.stringify(selector),
    );
});
