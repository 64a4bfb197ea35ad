/**
 * Labels as Ofelia reads them, table-driven: which container may carry which labels, how jobs are
 * named (Compose project, service and container number, or the container), what an exec job
 * targets, and that every job passes validate.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findUnknownFields } from '../../../src/api/unknown-fields.ts';
import { validateScheduledDockerJob } from '../../../src/api/validate.ts';
import { importLabels, type LabelledContainer } from '../../../src/import/index.ts';

const compose = (project: string, service: string, n = '1') => ({
  'com.docker.compose.project': project,
  'com.docker.compose.service': service,
  'com.docker.compose.container-number': n,
});

const ROWS: Array<{
  name: string;
  containers: LabelledContainer[];
  /** job name -> [kind, target/image/command] */
  want: Record<string, [string, unknown]>;
  issues?: number;
}> = [
  {
    name: 'exec labels exec into their own container; Compose names',
    containers: [
      {
        id: 'a1',
        name: '/shop-web-1',
        labels: {
          'ofelia.enabled': 'true',
          ...compose('shop', 'web'),
          'ofelia.job-exec.flush.schedule': '@every 1m',
          'ofelia.job-exec.flush.command': 'redis-cli flushall',
        },
      },
      {
        id: 'a2',
        name: '/shop-web-2',
        labels: {
          'ofelia.enabled': 'true',
          ...compose('shop', 'web', '2'),
          'ofelia.job-exec.flush.schedule': '@every 1m',
          'ofelia.job-exec.flush.command': 'redis-cli flushall',
        },
      },
      {
        id: 'b1',
        name: '/blog-web-1',
        labels: {
          'ofelia.enabled': 'true',
          ...compose('blog', 'web'),
          'ofelia.job-exec.flush.schedule': '@every 1m',
          'ofelia.job-exec.flush.command': 'true',
        },
      },
    ],
    want: {
      'shop-web-flush': ['exec', 'shop-web-1'],
      'shop-web-2-flush': ['exec', 'shop-web-2'],
      'blog-web-flush': ['exec', 'blog-web-1'],
    },
  },
  {
    name: 'not enabled: ignored; plain containers named by the container',
    containers: [
      {
        id: 'c1',
        name: '/quiet',
        labels: { 'ofelia.job-exec.x.schedule': '@daily', 'ofelia.job-exec.x.command': 'true' },
      },
      {
        id: 'c2',
        name: '/worker',
        labels: {
          'ofelia.enabled': 'TRUE',
          'ofelia.job-run.report.schedule': '0 0 6 * * *',
          'ofelia.job-run.report.image': 'alpine:3.20',
          'ofelia.job-run.report.command': 'echo report',
          'ofelia.job-run.report.volume': '["reports:/out", "/srv/in:/in:ro"]',
        },
      },
    ],
    want: { 'worker-report': ['run', 'alpine:3.20'] },
  },
  {
    name: "the service container: global keys, job-local, job-run; Ofelia's own labels are not keys",
    containers: [
      {
        id: 'd1',
        name: '/ofelia',
        labels: {
          'ofelia.enabled': 'true',
          'ofelia.service': 'true',
          'ofelia.save-folder': '/logs',
          'ofelia.job-local.prune.schedule': '@daily',
          'ofelia.job-local.prune.command': 'docker system prune -f',
        },
      },
    ],
    want: { 'ofelia-prune': ['local', ['docker', 'system', 'prune', '-f']] },
    // save-folder reported; the local job's host access reported.
    issues: 2,
  },
];

for (const row of ROWS) {
  test(`labels: ${row.name}`, () => {
    const t = importLabels(row.containers, { namespace: 'default', includeSecrets: false, origin: 'docker' });
    const got: Record<string, [string, unknown]> = {};
    for (const j of t.jobs) {
      const spec = j.spec as Record<string, Record<string, unknown>>;
      if (spec.exec) got[j.metadata.name] = ['exec', spec.exec.container];
      else if (spec.run) got[j.metadata.name] = ['run', spec.run.image];
      else if (spec.local) got[j.metadata.name] = ['local', spec.local.command];
      const checked = validateScheduledDockerJob(j);
      assert.ok(checked.ok, JSON.stringify(checked.ok || checked.causes));
      assert.deepEqual(findUnknownFields(j), []);
    }
    assert.deepEqual(got, row.want);
    assert.equal(
      t.issues.length,
      row.issues ?? 0,
      t.issues.map((i) => `${i.section} ${i.key}: ${i.reason}`).join('\n'),
    );
  });
}

test('labels: chains name jobs as the fork does (SERVICE.JOB, or a bare name on the same container); a slack label becomes a notifier', () => {
  const t = importLabels(
    [
      {
        id: 'd1',
        name: '/shop-database-1',
        labels: {
          'ofelia.enabled': 'true',
          ...compose('shop', 'database'),
          'ofelia.job-exec.backup.schedule': '@daily',
          'ofelia.job-exec.backup.command': 'pg_dump',
          'ofelia.job-exec.backup.on-success': 'app.notify',
          'ofelia.job-exec.backup.slack-webhook': 'https://hooks.slack.com/services/T/B/X',
        },
      },
      {
        id: 'a1',
        name: '/shop-app-1',
        labels: {
          'ofelia.enabled': 'true',
          ...compose('shop', 'app'),
          'ofelia.job-exec.process.schedule': '@hourly',
          'ofelia.job-exec.process.command': 'process',
          'ofelia.job-exec.process.depends-on': '["database.backup"]',
          'ofelia.job-exec.process.on-failure': 'notify',
          'ofelia.job-exec.notify.schedule': '@triggered',
          'ofelia.job-exec.notify.command': 'notify',
        },
      },
    ],
    { namespace: 'default', includeSecrets: false, origin: 'docker' },
  );
  const after = Object.fromEntries(
    t.jobs.map((j) => [j.metadata.name, (j.spec as { after?: unknown }).after]),
  );
  assert.deepEqual(after, {
    'shop-database-backup': undefined,
    'shop-app-process': [{ job: 'shop-database-backup', on: 'Succeeded' }],
    'shop-app-notify': [
      { job: 'shop-database-backup', on: 'Succeeded' },
      { job: 'shop-app-process', on: 'Failed' },
    ],
  });
  assert.deepEqual(
    t.notifiers.map((n) => [n.metadata.name, (n.spec as { jobSelector: unknown }).jobSelector]),
    [
      [
        'shop-database-backup-slack',
        { matchLabels: { 'ofelia.dev/notifier-slack': 'shop-database-backup-slack' } },
      ],
    ],
  );
  // the webhook URL is withheld (needs-secret) and notify has two upstreams (reported)
  assert.deepEqual(t.issues.map((i) => `${i.key}:${i.kind}`).sort(), [
    ':different-meaning',
    'slack-webhook:needs-secret',
  ]);
});
