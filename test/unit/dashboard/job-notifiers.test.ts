import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notifiersOfJob } from '../../../src/dashboard/job-notifiers.ts';

const job = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'ScheduledDockerJob',
  metadata: { name: 'backup', namespace: 'ops', labels: { app: 'backup' } },
  spec: { schedule: '@daily', run: { image: 'busybox' }, ...extra },
});

const notifier = (name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  apiVersion: 'ofelia.dev/v1alpha1',
  kind: 'JobNotifier',
  metadata: { name, namespace: 'ops', generation: 1 },
  spec,
  ...(status ? { status } : {}),
});

const ready = {
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Ready',
      message: 'delivering webhook notifications',
      lastTransitionTime: '2026-12-05T01:00:00Z',
    },
  ],
  lastDeliveryTime: '2026-12-05T02:00:00Z',
  lastDeliveryResult: 'Failed',
  lastError: 'HttpStatus: the receiver answered 500',
  counters: { delivered: 3, failed: 1, suppressed: 0, dropped: 0 },
};

const items = [
  // Selects the job; its address, header token and selector values must never come out.
  notifier(
    'hook',
    {
      type: 'webhook',
      address: 'https://hooks.example.test/T0KEN-IN-PATH',
      headers: [
        { name: 'X-Api-Key', value: 'literal-header-secret' },
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'hook-secret', key: 'auth' } } },
      ],
      jobSelector: { matchLabels: { app: 'backup' } },
      events: ['Failed', 'Succeeded'],
    },
    ready,
  ),
  // Does not select it.
  notifier('other-team', {
    type: 'slack',
    address: 'https://slack.example.test/x',
    jobSelector: { matchLabels: { app: 'web' } },
  }),
  // E-mail to everyone: recipients and SMTP host stay out.
  notifier('mail', {
    type: 'email',
    email: { host: 'smtp.example.test', from: 'ofelia@example.test', to: ['oncall@example.test'] },
  }),
  // Invalid (no address for a webhook): notifies no one, only counted.
  notifier('broken', { type: 'webhook' }),
];

test('lists the notifiers that select the job, with type, events, why, Ready and the last delivery', () => {
  const got = notifiersOfJob(job(), items);
  assert.deepEqual(got, {
    readable: true,
    optedOut: false,
    invalid: 1,
    truncated: false,
    applying: [
      {
        name: 'hook',
        type: 'webhook',
        events: ['Failed', 'Succeeded'],
        via: 'selector',
        ready: { status: 'True', reason: 'Ready', message: 'delivering webhook notifications' },
        lastDeliveryTime: '2026-12-05T02:00:00Z',
        lastDeliveryResult: 'Failed',
        lastError: 'HttpStatus: the receiver answered 500',
        counters: { delivered: 3, failed: 1, suppressed: 0, dropped: 0 },
      },
      {
        name: 'mail',
        type: 'email',
        events: ['Failed', 'Recovered'],
        via: 'selector',
        ready: { status: 'Unknown', reason: 'Pending', message: '' },
      },
    ],
  });
});

test('never an address, a header, a Secret reference, a recipient or the SMTP host', () => {
  const text = JSON.stringify(notifiersOfJob(job(), items));
  for (const secret of [
    'hooks.example.test',
    'T0KEN',
    'literal-header-secret',
    'hook-secret',
    'X-Api-Key',
    'smtp.example.test',
    'oncall@example.test',
    'ofelia@example.test',
    'slack.example.test',
  ])
    assert.equal(text.includes(secret), false, secret);
});

test('a notifier the job names applies although its selector does not select the job', () => {
  const got = notifiersOfJob(job({ notifications: { notifiers: ['other-team'] } }), items);
  assert.ok(got.readable);
  assert.deepEqual(
    got.applying.map((n) => [n.name, n.via]),
    [
      ['hook', 'selector'],
      ['mail', 'selector'],
      ['other-team', 'named'],
    ],
  );
});

test('a job that opted out has none, and says so', () => {
  const got = notifiersOfJob(job({ notifications: { enabled: false } }), items);
  assert.ok(got.readable);
  assert.equal(got.optedOut, true);
  assert.deepEqual(got.applying, []);
});
