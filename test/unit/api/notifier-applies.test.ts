import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type JobNotifyFacts,
  type NotifierApplies,
  notifierApplies,
  notifierEvents,
} from '../../../src/api/notifier-applies.ts';
import type { JobNotifierSpec } from '../../../src/api/notifier-schema.ts';

const web = { app: 'web', tier: 'front' };

const cases: {
  name: string;
  // the job
  job: JobNotifyFacts;
  // the notifier
  notifier: string;
  selector?: JobNotifierSpec['jobSelector'];
  want: NotifierApplies;
}[] = [
  {
    name: 'no selector selects every job',
    job: { labels: web },
    notifier: 'n',
    want: { applies: true, via: 'selector' },
  },
  {
    name: 'a job without labels is selected by no selector',
    job: {},
    notifier: 'n',
    want: { applies: true, via: 'selector' },
  },
  {
    name: 'matchLabels selects',
    job: { labels: web },
    notifier: 'n',
    selector: { matchLabels: { app: 'web' } },
    want: { applies: true, via: 'selector' },
  },
  {
    name: 'matchLabels does not select another app',
    job: { labels: web },
    notifier: 'n',
    selector: { matchLabels: { app: 'db' } },
    want: { applies: false, why: 'not-selected' },
  },
  {
    name: 'matchExpressions NotIn',
    job: { labels: web },
    notifier: 'n',
    selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] },
    want: { applies: false, why: 'not-selected' },
  },
  {
    name: 'named by the job although its selector does not select it (opt-in)',
    job: { labels: web, notifications: { notifiers: ['pager'] } },
    notifier: 'pager',
    selector: { matchLabels: { app: 'db' } },
    want: { applies: true, via: 'named' },
  },
  {
    name: 'naming another notifier does not opt in this one',
    job: { labels: web, notifications: { notifiers: ['pager'] } },
    notifier: 'mail',
    selector: { matchLabels: { app: 'db' } },
    want: { applies: false, why: 'not-selected' },
  },
  {
    name: 'opted out: nothing applies, not even a notifier the job names',
    job: { labels: web, notifications: { enabled: false, notifiers: ['pager'] } },
    notifier: 'pager',
    want: { applies: false, why: 'opted-out' },
  },
  {
    name: 'enabled: true is the default',
    job: { labels: web, notifications: { enabled: true } },
    notifier: 'n',
    want: { applies: true, via: 'selector' },
  },
];

for (const c of cases) {
  test(`notifierApplies: ${c.name}`, () => {
    assert.deepEqual(notifierApplies(c.job, { name: c.notifier, spec: { jobSelector: c.selector } }), c.want);
  });
}

test('notifierEvents: the events given, else Failed and Recovered, healthchecks Started/Succeeded/Failed', () => {
  assert.deepEqual(notifierEvents({ type: 'slack', events: ['Missed'] }), ['Missed']);
  assert.deepEqual(notifierEvents({ type: 'slack' }), ['Failed', 'Recovered']);
  assert.deepEqual(notifierEvents({ type: 'healthchecks' }), ['Started', 'Succeeded', 'Failed']);
  assert.deepEqual(notifierEvents({ type: 'healthchecks', events: ['Failed'] }), ['Failed']);
});
