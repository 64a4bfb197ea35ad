/**
 * The dashboard in a real headless Chromium (Debian's `chromium` driven by playwright-core) against
 * the operator as users run it (embedded mode, real Docker daemon, the output store on):
 * refused without a token and with a wrong one; logged in, a job's next run counts down in the
 * jobs table; "Run now" on its page makes a run appear with its full output (stdout and stderr);
 * "Suspend" changes its state (the live feed, and the object: a Kubernetes write with the user's
 * token); a read-only token may look but its "Run now" is refused by the API server; a cookie
 * session's action without the CSRF token is refused; logout ends the session; the job page lists
 * the JobNotifiers that apply (never their address), and behind an API server that forbids
 * listing them says "not allowed"; the CSP blocks nothing the app needs (no console errors). With OFELIA_SCREENSHOTS=DIR it saves the jobs page
 * and the timeline there (docs/ holds the committed ones).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { type DashboardEnv, jobYaml, launchChromium, startDashboardEnv } from '../helpers/dashboard-env.ts';
import { testDocker } from '../helpers/docker.ts';
import { type ForbiddingProxy, startForbiddingProxy } from '../helpers/forbidding-proxy.ts';
import { startHttpReceiver } from '../helpers/receivers.ts';
import { waitFor } from '../helpers/wait.ts';

/** The little of the DOM the page functions below use (this project compiles without lib.dom). */
declare const document: { querySelector(sel: string): { textContent: string | null } | null; cookie: string };

let docker: Awaited<ReturnType<typeof testDocker>>;
let env: DashboardEnv | undefined;
let browser: Browser | undefined;
const pageErrors: string[] = [];
let greeterMinute = 0;
let receiver: Awaited<ReturnType<typeof startHttpReceiver>> | undefined;
let proxy: ForbiddingProxy | undefined;
let forbidden: Dashboard | undefined;
/** In the webhook notifier's address: it must never reach the page. */
const HOOK_SECRET = 'hook-path-T0KEN-do-not-show';

before(async () => {
  docker = await testDocker();
  browser = await launchChromium();
  env = await startDashboardEnv(docker.docker);
  // Schedules made from the time the test starts, so that no scheduled run falls within the test
  // and the countdown always shows minutes and seconds, whatever the time of day (a fixed
  // `*/30 * * * *` showed "in 25s" or started a run of its own near :00 and :30).
  const now = new Date();
  greeterMinute = (now.getUTCMinutes() + 20) % 60;
  const applied = await env.kubectl(
    ['apply', '-f', '-'],
    jobYaml('greeter', `${greeterMinute} * * * *`, 'echo hello-from-run; echo to-stderr >&2; exit 0'),
  );
  assert.equal(applied.code, 0, applied.stderr);
  const nightlyHour = (now.getUTCHours() + 12) % 24;
  const other = await env.kubectl(
    ['apply', '-f', '-'],
    jobYaml('nightly', `30 ${nightlyHour} * * *`, 'echo nightly'),
  );
  assert.equal(other.code, 0, other.stderr);
  // Notifiers of the namespace: one selects the dashboard's jobs (a real receiver on loopback, a
  // secret in its address), one selects other jobs, one the greeter names although its selector
  // does not select it.
  receiver = await startHttpReceiver();
  const notifier = (name: string, spec: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: 'ofelia.dev/v1alpha1',
      kind: 'JobNotifier',
      metadata: { name, namespace: 'default' },
      spec,
    });
  for (const n of [
    notifier('ops-hook', {
      type: 'webhook',
      address: `${receiver.url}/${HOOK_SECRET}`,
      events: ['Succeeded'],
      jobSelector: { matchLabels: { suite: 'dashboard' } },
    }),
    notifier('other-team', {
      type: 'ntfy',
      address: `${receiver.url}/other`,
      jobSelector: { matchLabels: { suite: 'other' } },
    }),
  ]) {
    const r = await env.kubectl(['apply', '-f', '-'], n);
    assert.equal(r.code, 0, r.stderr);
  }
});

after(async () => {
  if (browser) await browser.close();
  await forbidden?.close();
  await proxy?.close();
  await env?.close();
  await receiver?.close();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1400, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Refused requests the test makes on purpose (401, 403) log "Failed to load resource"; a CSP
    // violation or a script error logs something else.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      pageErrors.push(`console: ${m.text()}`);
  });
  return { context, page };
}

async function logIn(page: Page, token: string): Promise<void> {
  await page.goto(env!.dashboardUrl);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
}

/** Logs in and fails with the page's own message when the login is refused. */
async function logInOk(page: Page, token: string): Promise<void> {
  await logIn(page, token);
  await page.waitForSelector('header.top, .login .error');
  if ((await page.locator('.login .error').count()) > 0)
    assert.fail(`login refused: ${await page.textContent('.login .error')}`);
}

test('without a token: the API refuses, the page asks for one; a wrong token is refused', async () => {
  const url = env!.dashboardUrl;
  for (const [method, path] of [
    ['GET', '/api/feed'],
    ['GET', '/api/jobs/default/greeter'],
    ['POST', '/api/jobs/default/greeter/run-now'],
    ['GET', '/api/jobs/default/greeter/runs/greeter-1/output'],
  ] as const) {
    const r = await fetch(`${url}${path}`, { method });
    assert.equal(r.status, 401, `${method} ${path}`);
  }
  const page = await fetch(url);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);

  const { context, page: p } = await newPage();
  await logIn(p, 'ofo_0000000000000000_not-a-real-token-at-all-xxxxxxxxxxxxxxxxxxx');
  await p.waitForSelector('.login .error');
  assert.match((await p.textContent('.login .error')) ?? '', /does not accept this token/);
  await context.close();
});

test('logged in: the next run counts down, run now shows the run with its output, suspend changes the state', async () => {
  const { context, page } = await newPage();
  await logInOk(page, env!.adminToken);
  const row = '.row[data-job="default/greeter"]';
  await page.waitForSelector(row);
  assert.equal(await page.isVisible('.row[data-job="default/nightly"]'), true);
  assert.match(
    (await page.textContent(`${row} span:nth-child(4)`)) ?? '',
    new RegExp(`every hour at minute ${greeterMinute}`),
  );
  // The countdown: "in 12m03s", then another value as the seconds go by.
  await page.waitForFunction(
    (sel) => /^in \d+m\d\ds$/.test(document.querySelector(sel)?.textContent ?? ''),
    `${row} .next`,
  );
  const first = await page.textContent(`${row} .next`);
  await page.waitForFunction(
    ([sel, was]) => {
      const now = document.querySelector(sel!)?.textContent ?? '';
      return /^in \d+m\d\ds$/.test(now) && now !== was;
    },
    [`${row} .next`, first],
  );
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'sdj_session');
  assert.ok(session, 'session cookie set');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'the cookie is not readable by scripts');

  // Run now from the job page.
  await page.click(row);
  await page.waitForSelector('.job h1 .state[data-state="Scheduled"]');
  await page.click('button:has-text("Run now")');
  await page.waitForSelector('.toast:has-text("run-now sent")');
  await page.waitForSelector('table.runs tr[data-run] td.res-Succeeded', { timeout: 60_000 });
  await page.waitForFunction(() => {
    const text = document.querySelector('pre.output')?.textContent ?? '';
    return text.includes('hello-from-run') && text.includes('to-stderr');
  });
  assert.equal(await page.locator('pre.output div.E').count(), 1, 'stderr line marked as such');
  const runName = await page.getAttribute('table.runs tr[data-run]', 'data-run');
  assert.match(runName ?? '', /^greeter-\d+$/);
  assert.match((await page.textContent('table.runs tr[data-run]')) ?? '', /e2e-node/, 'the node that ran it');

  // Suspend: the state follows through the live feed; the object says so too.
  await page.click('button:has-text("Suspend")');
  await page.waitForSelector('.job h1 .state[data-state="Suspended"]');
  const got = await env!.kubectl(['get', 'sdj', 'greeter', '-o', 'jsonpath={.spec.suspend}']);
  assert.equal(got.stdout, 'true');
  await page.click('button:has-text("Resume")');
  await page.waitForSelector('.job h1 .state:not([data-state="Suspended"])');

  // An action with the session cookie but without the CSRF token is refused.
  const noCsrf = await page.evaluate(async () => {
    const r = await fetch('/api/jobs/default/greeter/suspend', {
      method: 'POST',
      credentials: 'same-origin',
    });
    return r.status;
  });
  assert.equal(noCsrf, 403);

  if (process.env.OFELIA_SCREENSHOTS) {
    await page.goto(`${env!.dashboardUrl}/#/`);
    await page.waitForSelector(row);
    await page.screenshot({ path: join(process.env.OFELIA_SCREENSHOTS, 'dashboard-jobs.png') });
    await page.goto(`${env!.dashboardUrl}/#/timeline`);
    await page.waitForSelector('canvas.timeline');
    await page.screenshot({ path: join(process.env.OFELIA_SCREENSHOTS, 'dashboard-timeline.png') });
  }

  // Logout ends the session: the same cookie no longer opens anything.
  await page.goto(`${env!.dashboardUrl}/#/`);
  await page.click('header.top button:has-text("Log out")');
  await page.waitForSelector('form.login');
  const after = await fetch(`${env!.dashboardUrl}/api/session`, {
    headers: { cookie: `sdj_session=${session.value}` },
  });
  assert.equal(after.status, 401);
  await context.close();
  assert.deepEqual(pageErrors, [], 'no script errors and nothing blocked by the CSP');
});

test('a read-only token may look, but its run now is refused by the API server', async () => {
  const token = await env!.readOnlyToken('viewer');
  const { context, page } = await newPage();
  // Logged in at once after `token create`: a fresh token must work on its first request (the
  // API server re-read its token file at most once a second, so this login failed whenever it
  // came within a second of the token's creation).
  await logInOk(page, token);
  await page.waitForSelector('.row[data-job="default/greeter"]');
  await page.click('.row[data-job="default/greeter"]');
  await page.waitForSelector('button:has-text("Run now")');
  const before = await env!.kubectl(['get', 'sdj', 'greeter', '-o', 'json']);
  await page.click('button:has-text("Run now")');
  await page.waitForSelector('.toast.bad');
  assert.match((await page.textContent('.toast.bad')) ?? '', /read-only/);
  await page.click('button:has-text("Suspend")');
  await page.waitForSelector('.toast.bad');
  const now = await env!.kubectl(['get', 'sdj', 'greeter', '-o', 'json']);
  const ann = (s: string) => JSON.parse(s).metadata.annotations?.['ofelia.dev/run-now'];
  assert.equal(ann(now.stdout), ann(before.stdout), 'no run-now annotation written');
  assert.equal(JSON.parse(now.stdout).spec.suspend, JSON.parse(before.stdout).spec.suspend);
  await context.close();
  assert.deepEqual(pageErrors, []);
});

test('the job page lists the notifiers that apply (type, events, Ready, last delivery), never their address; a user who may not list them sees a note', async () => {
  // The run of the previous test succeeded: the webhook notifier delivered it.
  await waitFor('ops-hook delivered and Ready', async () => {
    const r = await env!.kubectl(['get', 'jobnotifier', 'ops-hook', '-o', 'json']);
    const st = JSON.parse(r.stdout).status ?? {};
    const ready = (st.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
    return st.lastDeliveryResult === 'Delivered' && ready?.status === 'True';
  });
  assert.ok(receiver!.requests.some((r) => r.path === `/${HOOK_SECRET}`));
  const { context, page } = await newPage();
  await logInOk(page, env!.adminToken);
  await page.goto(`${env!.dashboardUrl}/#/job/default/greeter`);
  const hook = '.notifiers tr[data-notifier="ops-hook"]';
  await page.waitForSelector(hook);
  assert.equal(await page.textContent(`${hook} td.type`), 'webhook');
  assert.equal(await page.textContent(`${hook} td.events`), 'Succeeded');
  assert.equal(await page.getAttribute(`${hook} td.ready`, 'data-status'), 'True');
  assert.match((await page.textContent(`${hook} td.last`)) ?? '', /^Delivered /);
  assert.equal(await page.locator('.notifiers tr[data-notifier="other-team"]').count(), 0, 'not selected');
  const text = (await page.textContent('body')) ?? '';
  assert.equal(text.includes(HOOK_SECRET), false, 'the address is not on the page');
  assert.equal(text.includes(receiver!.url), false, 'nor the receiver');
  await context.close();

  // Behind an API server whose RBAC forbids listing JobNotifiers: the rest of the page, and a note.
  proxy = await startForbiddingProxy(env!.op.kubeconfig, /\/jobnotifiers$/);
  forbidden = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    endpoint: { server: proxy.url, agent: undefined },
    output: undefined,
    nodeName: 'e2e-node',
    log: silentLogger(),
  });
  const second = await newPage();
  await second.page.goto(forbidden.url);
  await second.page.fill('input[name=token]', env!.adminToken);
  await second.page.click('button[type=submit]');
  await second.page.waitForSelector('header.top');
  await second.page.goto(`${forbidden.url}/#/job/default/greeter`);
  await second.page.waitForSelector('.notifiers .not-allowed');
  assert.match(
    (await second.page.textContent('.notifiers .not-allowed')) ?? '',
    /^Not allowed: your token may not list JobNotifiers in this namespace\. jobnotifiers\.ofelia\.dev is forbidden/,
  );
  assert.ok(await second.page.isVisible('.job h1 .state'), 'the rest of the page is shown');
  assert.ok(proxy.refused.includes('/apis/ofelia.dev/v1alpha1/namespaces/default/jobnotifiers'));
  await second.context.close();
  assert.deepEqual(pageErrors, []);
});
