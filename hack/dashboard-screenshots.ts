/**
 * Makes the dashboard screenshots in docs/ from a real operator with real runs: an embedded
 * operator (test helper), a dozen jobs in two namespaces with mixed outcomes, ~90 s of runs, then
 * Debian's headless chromium photographs the jobs page, the timeline, a job page and its
 * "notifiers that apply" (two JobNotifiers: a webhook to a real receiver on loopback, and an
 * e-mail notifier whose credentials Secret is missing, so it is not Ready).
 *
 *   node --import tsx hack/dashboard-screenshots.ts [OUT_DIR]     (default: docs)
 * Needs the test Docker daemon (hack/docker-up.sh) and chromium (hack/chromium-up.sh).
 */
import { join } from 'node:path';
import { jobYaml, launchChromium, startDashboardEnv } from '../test/helpers/dashboard-env.ts';
import { testDocker } from '../test/helpers/docker.ts';
import { startHttpReceiver } from '../test/helpers/receivers.ts';

const out = process.argv[2] ?? 'docs';
const d = await testDocker();
const browser = await launchChromium();
const env = await startDashboardEnv(d.docker);
const receiver = await startHttpReceiver();
try {
  await env.kubectl(['create', 'namespace', 'billing']);
  const jobs: [string, string, string, Record<string, unknown>?][] = [
    ['backup-db', '*/10 * * * * *', 'echo dumping; sleep 3; echo "dump ok: 1.2 GB"'],
    ['cache-warmer', '*/5 * * * * *', 'echo warming $((RANDOM % 100)) keys'],
    [
      'flaky-import',
      '*/8 * * * * *',
      'echo importing; sleep 1; [ $((RANDOM % 3)) -ne 0 ] || { echo "upstream 503" >&2; exit 2; }',
    ],
    ['report-mailer', '*/15 * * * * *', 'echo rendering report; sleep 2; echo sent'],
    [
      'slow-etl',
      '*/20 * * * * *',
      'echo extract; sleep 4; echo transform; sleep 2; echo load',
      { concurrencyPolicy: 'Forbid' },
    ],
    ['timeout-demo', '*/12 * * * * *', 'echo will not finish; sleep 10', { activeDeadlineSeconds: 3 }],
    ['log-rotate', '0 3 * * *', 'echo rotate'],
    ['cert-renew', '30 4 * * 1', 'echo renew'],
    ['weekday-digest', '0 9 * * 1-5', 'echo digest'],
    ['paused-sync', '*/6 * * * * *', 'echo sync', { suspend: true }],
  ];
  for (const [name, schedule, command, extra] of jobs) {
    const r = await env.kubectl(['apply', '-f', '-'], jobYaml(name, schedule, command, extra));
    if (r.code !== 0) throw new Error(r.stderr);
  }
  for (const [name, schedule, command] of [
    ['invoice-run', '*/9 * * * * *', 'echo invoicing; sleep 1; echo 42 invoices'],
    ['ledger-check', '*/7 * * * * *', 'echo checking; [ $((RANDOM % 4)) -ne 0 ] || exit 1'],
    ['month-close', '0 0 1 * *', 'echo close'],
  ] as const) {
    const r = await env.kubectl(
      ['apply', '-f', '-'],
      jobYaml(name, schedule, command).replace('"namespace":"default"', '"namespace":"billing"'),
    );
    if (r.code !== 0) throw new Error(r.stderr);
  }
  for (const [name, spec] of [
    ['ops-webhook', { type: 'webhook', address: `${receiver.url}/hook`, events: ['Failed', 'Succeeded'] }],
    [
      'oncall-mail',
      {
        type: 'email',
        jobSelector: { matchExpressions: [{ key: 'suite', operator: 'Exists' }] },
        email: {
          host: '127.0.0.1',
          port: 2525,
          credentialsFrom: { name: 'smtp-login' },
          from: 'ofelia@example.test',
          to: ['oncall@example.test'],
        },
      },
    ],
  ] as const) {
    const r = await env.kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'ofelia.dev/v1alpha1', kind: 'JobNotifier', metadata: { name }, spec }),
    );
    if (r.code !== 0) throw new Error(r.stderr);
  }
  console.log('jobs applied; letting them run for 90 s');
  await new Promise((r) => setTimeout(r, 90_000));
  const context = await browser.newContext({ viewport: { width: 1400, height: 640 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(env.dashboardUrl);
  await page.fill('input[name=token]', env.adminToken);
  await page.click('button[type=submit]');
  await page.waitForSelector('.row[data-job="default/backup-db"]');
  await page.screenshot({ path: join(out, 'dashboard-jobs.png') });
  await page.click('a[href="#/timeline"]');
  await page.click('button:has-text("last 10 min")');
  await page.waitForSelector('canvas.timeline');
  await page.screenshot({ path: join(out, 'dashboard-timeline.png') });
  await page.goto(`${env.dashboardUrl}/#/job/default/backup-db`);
  await page.waitForSelector('pre.output div');
  await page.setViewportSize({ width: 1400, height: 1100 });
  await page.screenshot({ path: join(out, 'dashboard-job.png') });
  await page.waitForSelector('.notifiers tr[data-notifier="ops-webhook"]');
  await page.locator('.notifiers').screenshot({ path: join(out, 'dashboard-notifiers.png') });
  console.log(`screenshots written to ${out}/`);
} finally {
  await browser.close();
  await env.close();
  await receiver.close();
}
