/**
 * JobNotifiers end to end: the embedded API server and kubectl (in this process), an operator
 * process with the notifier controller, the real Docker daemon, and real receivers on loopback
 * (an HTTP server recording every preset's requests, an SMTP server whose mail is parsed, the save
 * folder). Jobs are `@manual` and started with the run-now annotation, so every message comes from
 * a run the test asked for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { applyJob, getJob, jobManifest, useControllerEnv, waitFor } from '../helpers/operator.ts';
import { type RecordedRequest, startHttpReceiver, startSmtpReceiver } from '../helpers/receivers.ts';

const saveRoot = mkdtempSync(join(tmpdir(), 'ofelia-notify-save-'));
let http: Awaited<ReturnType<typeof startHttpReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

before(async () => {
  http = await startHttpReceiver();
  smtp = await startSmtpReceiver({ user: 'mailer', pass: 's3cret-pass' });
});

const env = useControllerEnv({
  endOperatorsBy: 'stop',
  async setup({ startOperator }) {
    const operator = startOperator({
      identity: 'notify',
      notify: { saveDirs: [saveRoot], dashboardUrl: 'https://dash.example.test/ui' },
    });
    await operator.waitForLog(/operator started/, { timeoutMs: 30_000 });
  },
  async beforeOperatorsEnd({ kubectl }) {
    await kubectl(['delete', 'sdj', '--all', '--wait=true', '--timeout=30s']);
  },
});
const { kubectl } = env;

after(async () => {
  await http?.close();
  await smtp?.close();
  rmSync(saveRoot, { recursive: true, force: true });
});

async function apply(obj: unknown): Promise<{ code: number | null; stderr: string }> {
  return kubectl(['apply', '-f', '-'], { stdin: JSON.stringify(obj) });
}

function notifier(name: string, spec: Record<string, unknown>, labels?: Record<string, string>) {
  return {
    apiVersion: 'ofelia.dev/v1alpha1',
    kind: 'JobNotifier',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec,
  };
}

interface NotifierView {
  status?: {
    conditions?: { type: string; status: string; reason: string; message?: string }[];
    lastDeliveryResult?: string;
    lastError?: string;
    counters?: { delivered: number; failed: number; suppressed: number; dropped: number };
  };
}

async function getNotifier(name: string): Promise<NotifierView | undefined> {
  const r = await kubectl(['get', 'jobnotifier', name, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as NotifierView) : undefined;
}

async function waitReady(name: string, status = 'True'): Promise<{ reason: string; message?: string }> {
  return waitFor(`${name} Ready=${status}`, async () => {
    const ready = (await getNotifier(name))?.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === status && ready;
  });
}

let trigger = 0;
async function runNow(job: string): Promise<void> {
  const r = await kubectl(['annotate', 'sdj', job, `ofelia.dev/run-now=t${++trigger}`, '--overwrite']);
  assert.equal(r.code, 0, r.stderr);
}

async function finishedRuns(job: string, count: number) {
  return waitFor(`${count} finished run(s) of ${job}`, async () => {
    const j = await getJob(kubectl, job);
    const c = j?.status?.counters;
    return (c?.succeeded ?? 0) + (c?.failed ?? 0) >= count && j;
  });
}

function manualJob(
  name: string,
  command: string,
  labels: Record<string, string>,
  extra: Record<string, unknown> = {},
) {
  const manifest = JSON.parse(jobManifest(name, { schedule: '@manual', ...extra }, { command }));
  manifest.metadata.labels = labels;
  return JSON.stringify(manifest);
}

const at = (prefix: string) => (r: RecordedRequest) => r.path.startsWith(prefix);
// Payloads are checked field by field against each service's documented shape.
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of several shapes
type Payload = any;
const json = (r: RecordedRequest): Payload => JSON.parse(r.body);

test('every HTTP preset: a failing job notifies with the payload its service expects; a succeeding one does not', async () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'notify-creds', namespace: 'default' },
    stringData: {
      hookUrl: `${http.url}/webhook`,
      token: 'app-token-123',
      user: 'user-key-456',
      routingKey: 'routing-789',
      accessToken: 'matrix-token',
      authHeader: 'Bearer hook-secret',
    },
  };
  assert.equal((await apply(secret)).code, 0);
  const selector = { matchLabels: { team: 'presets' } };
  const common = { jobSelector: selector, retry: { limit: 0 } };
  const specs: Record<string, Record<string, unknown>> = {
    webhook: {
      type: 'webhook',
      addressFrom: { secretKeyRef: { name: 'notify-creds', key: 'hookUrl' } },
      headers: [
        { name: 'Authorization', valueFrom: { secretKeyRef: { name: 'notify-creds', key: 'authHeader' } } },
      ],
    },
    slack: { type: 'slack', address: `${http.url}/slack` },
    discord: { type: 'discord', address: `${http.url}/discord` },
    teams: { type: 'teams', address: `${http.url}/teams` },
    matrix: {
      type: 'matrix',
      address: `${http.url}/matrix/_matrix/client/v3/rooms/!room:test/send/m.room.message`,
      credentialsFrom: { name: 'notify-creds' },
    },
    ntfy: { type: 'ntfy', address: `${http.url}/ntfy/alerts` },
    gotify: {
      type: 'gotify',
      address: `${http.url}/gotify/message`,
      credentialsFrom: { name: 'notify-creds' },
    },
    pushover: {
      type: 'pushover',
      address: `${http.url}/pushover`,
      credentialsFrom: { name: 'notify-creds' },
    },
    pagerduty: {
      type: 'pagerduty',
      address: `${http.url}/pagerduty`,
      credentialsFrom: { name: 'notify-creds' },
    },
    healthchecks: { type: 'healthchecks', address: `${http.url}/hc/abc-uuid` },
  };
  for (const [name, spec] of Object.entries(specs))
    assert.equal((await apply(notifier(`p-${name}`, { ...spec, ...common }))).code, 0, name);
  for (const name of Object.keys(specs)) await waitReady(`p-${name}`);

  await applyJob(kubectl, manualJob('works', 'echo all good', { team: 'presets' }));
  await applyJob(kubectl, manualJob('fails', 'echo boom-line; exit 3', { team: 'presets' }));
  await applyJob(kubectl, manualJob('other', 'exit 1', { team: 'elsewhere' }));
  await runNow('works');
  await finishedRuns('works', 1);
  await runNow('other');
  await finishedRuns('other', 1);
  await runNow('fails');
  await finishedRuns('fails', 1);
  const failing = [
    'webhook',
    'slack',
    'discord',
    'teams',
    'matrix',
    'ntfy',
    'gotify',
    'pushover',
    'pagerduty',
  ];
  await waitFor(
    'a request per preset',
    () =>
      failing.every((p) => http.requests.some(at(`/${p}`))) && http.requests.some(at('/hc/abc-uuid/fail')),
  );

  // Default events are Failed and Recovered: nothing about `works`; `other` is not selected.
  for (const p of failing) {
    const got = http.requests.filter(at(`/${p}`));
    assert.equal(
      got.length,
      1,
      `${p}: exactly the failure (got ${got.map((r) => r.body.slice(0, 80)).join(' | ')})`,
    );
    assert.ok(!got[0]?.body.includes('"works"') && !got[0]?.body.includes('other'), p);
  }

  const webhook = http.requests.find(at('/webhook')) as RecordedRequest;
  assert.equal(webhook.headers.authorization, 'Bearer hook-secret');
  const w = json(webhook);
  assert.equal(w.version, 1);
  assert.equal(w.event, 'Failed');
  assert.equal(w.namespace, 'default');
  assert.equal(w.job, 'fails');
  assert.equal(w.result, 'Failed');
  assert.equal(w.exitCode, 3);
  assert.equal(w.trigger, 'Manual');
  assert.match(w.run, /^fails-\d+$/);
  assert.match(w.outputTail, /boom-line/);
  assert.equal(typeof w.durationMs, 'number');
  assert.ok(w.scheduledTime && w.startTime);
  assert.equal(w.dashboardUrl, 'https://dash.example.test/ui/jobs/default/fails');

  const slack = json(http.requests.find(at('/slack')) as RecordedRequest);
  assert.match(slack.text, /Failed: default\/fails/);
  assert.equal(slack.blocks[0].type, 'header');
  assert.ok(slack.blocks[1].fields.some((f: { text: string }) => f.text.includes('Exit code')));
  assert.ok(slack.blocks.some((b: Payload) => b.text?.text?.includes('boom-line')));

  const discord = json(http.requests.find(at('/discord')) as RecordedRequest);
  assert.equal(discord.embeds.length, 1);
  assert.equal(discord.embeds[0].color, 0xd32f2f);
  assert.match(discord.embeds[0].description, /boom-line/);
  assert.equal(discord.embeds[0].url, 'https://dash.example.test/ui/jobs/default/fails');

  const teams = json(http.requests.find(at('/teams')) as RecordedRequest);
  assert.equal(teams.type, 'message');
  assert.equal(teams.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(teams.attachments[0].content.type, 'AdaptiveCard');

  const matrix = http.requests.find(at('/matrix')) as RecordedRequest;
  assert.equal(matrix.method, 'PUT');
  assert.match(matrix.path, /\/send\/m\.room\.message\/[0-9a-f]{32}$/);
  assert.equal(matrix.headers.authorization, 'Bearer matrix-token');
  assert.equal(json(matrix).msgtype, 'm.text');

  const ntfy = http.requests.find(at('/ntfy/alerts')) as RecordedRequest;
  assert.match(String(ntfy.headers.title), /Failed: default\/fails/);
  assert.equal(ntfy.headers.priority, '5');
  assert.match(String(ntfy.headers.tags), /rotating_light/);
  assert.equal(ntfy.headers.click, 'https://dash.example.test/ui/jobs/default/fails');
  assert.match(ntfy.body, /boom-line/);

  const gotify = http.requests.find(at('/gotify')) as RecordedRequest;
  assert.equal(gotify.headers['x-gotify-key'], 'app-token-123');
  assert.equal(json(gotify).priority, 8);

  const pushover = json(http.requests.find(at('/pushover')) as RecordedRequest);
  assert.equal(pushover.token, 'app-token-123');
  assert.equal(pushover.user, 'user-key-456');
  assert.equal(pushover.priority, 1);

  const pd = json(http.requests.find(at('/pagerduty')) as RecordedRequest);
  assert.equal(pd.routing_key, 'routing-789');
  assert.equal(pd.event_action, 'trigger');
  assert.equal(pd.dedup_key, 'ofelia/default/fails');
  assert.equal(pd.payload.severity, 'error');
  assert.equal(pd.payload.source, 'default/fails');

  // healthchecks' default events are Started, Succeeded, Failed: /start and a success ping for
  // `works`, /start and /fail for `fails`.
  const hc = http.requests.filter(at('/hc/abc-uuid')).map((r) => r.path);
  assert.equal(hc.filter((p) => p === '/hc/abc-uuid/start').length, 2, hc.join(', '));
  assert.equal(hc.filter((p) => p === '/hc/abc-uuid').length, 1, hc.join(', '));
  assert.equal(hc.filter((p) => p === '/hc/abc-uuid/fail').length, 1, hc.join(', '));

  const status = await waitFor('webhook status counts the delivery', async () => {
    const s = (await getNotifier('p-webhook'))?.status;
    return s?.counters?.delivered === 1 && s;
  });
  assert.equal(status.lastDeliveryResult, 'Delivered');
  // No secret reaches the notifier's status or its table.
  const table = await kubectl(['get', 'jobnotifiers', '-o', 'wide']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /p-webhook\s+webhook\s+True/);
  for (const value of Object.values(secret.stringData)) assert.ok(!JSON.stringify(status).includes(value));
  for (const name of Object.keys(specs)) await kubectl(['delete', 'jobnotifier', `p-${name}`]);
  for (const job of ['works', 'fails', 'other']) await kubectl(['delete', 'sdj', job]);
});

test('Recovered after failures, and the cooldown holds repeats and counts them in the next message', async () => {
  assert.equal(
    (
      await apply(
        notifier('flaky-hook', {
          type: 'webhook',
          address: `${http.url}/flaky`,
          cooldownSeconds: 3600,
          jobSelector: { matchLabels: { app: 'flaky' } },
        }),
      )
    ).code,
    0,
  );
  await waitReady('flaky-hook');
  await applyJob(kubectl, manualJob('flaky', 'exit 2', { app: 'flaky' }));
  await runNow('flaky');
  await finishedRuns('flaky', 1);
  await runNow('flaky');
  await finishedRuns('flaky', 2);
  await waitFor(
    'the second failure counted as suppressed',
    async () => (await getNotifier('flaky-hook'))?.status?.counters?.suppressed === 1,
  );
  assert.equal(http.requests.filter(at('/flaky')).length, 1, 'the repeat within the cooldown is not sent');
  await applyJob(kubectl, manualJob('flaky', 'echo fixed', { app: 'flaky' }));
  await runNow('flaky');
  await finishedRuns('flaky', 3);
  await waitFor('the Recovered message', () => http.requests.filter(at('/flaky')).length === 2);
  const [first, second] = http.requests.filter(at('/flaky')).map(json);
  assert.equal(first?.event, 'Failed');
  assert.equal(first?.suppressed, 0);
  assert.equal(second?.event, 'Recovered');
  assert.equal(second?.result, 'Succeeded');
  assert.equal(second?.suppressed, 1, 'the held-back failure is summarized');
  // Another success is neither Failed nor Recovered: nothing is sent.
  await runNow('flaky');
  await finishedRuns('flaky', 4);
  const delivered = await waitFor(
    'status after the fourth run',
    async () => (await getNotifier('flaky-hook'))?.status?.counters,
  );
  assert.equal(delivered.delivered, 2);
  assert.equal(http.requests.filter(at('/flaky')).length, 2);
  await kubectl(['delete', 'jobnotifier', 'flaky-hook']);
  await kubectl(['delete', 'sdj', 'flaky']);
});

test('a dead endpoint is retried, then reported in status and an Event, while runs go on on time', async () => {
  assert.equal(
    (
      await apply(
        notifier('dead-hook', {
          type: 'webhook',
          address: `${http.url}/dead/hook`,
          events: ['Succeeded'],
          retry: { limit: 2, initialBackoffSeconds: 1, maxBackoffSeconds: 1 },
          queueLimit: 2,
          jobSelector: { matchLabels: { app: 'steady' } },
        }),
      )
    ).code,
    0,
  );
  await waitReady('dead-hook');
  const manifest = JSON.parse(jobManifest('steady', { schedule: '*/2 * * * * *' }, { command: 'echo tick' }));
  manifest.metadata.labels = { app: 'steady' };
  await applyJob(kubectl, JSON.stringify(manifest));
  const failed = await waitFor('a failed delivery in status', async () => {
    const s = (await getNotifier('dead-hook'))?.status;
    return s?.lastDeliveryResult === 'Failed' && s;
  });
  assert.match(failed.lastError ?? '', /HttpStatus: HTTP 503/);
  assert.ok(!(failed.lastError ?? '').includes('127.0.0.1'), 'the address is not in the error');
  assert.ok(http.requests.filter(at('/dead/hook')).length >= 3, 'one attempt and two retries');
  const events = await kubectl([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=dead-hook',
    '-o',
    'json',
  ]);
  assert.equal(events.code, 0, events.stderr);
  const reasons = (JSON.parse(events.stdout).items as { reason: string }[]).map((e) => e.reason);
  assert.ok(reasons.includes('NotificationFailed'), reasons.join(','));
  // The runs went on every 2 seconds meanwhile: consecutive scheduled times, none missed or skipped.
  const job = await waitFor('four runs', async () => {
    const j = await getJob(kubectl, 'steady');
    return (j?.status?.counters?.succeeded ?? 0) >= 4 && j;
  });
  assert.equal(job.status?.counters?.missed ?? 0, 0);
  assert.equal(job.status?.counters?.skipped ?? 0, 0);
  const times = (job.status?.recentRuns ?? []).map((r) => Date.parse(r.scheduledTime)).sort();
  for (let i = 1; i < times.length; i++)
    assert.equal((times[i] as number) - (times[i - 1] as number), 2000, 'no gap between runs');
  await kubectl(['delete', 'sdj', 'steady', '--wait=true']);
  await kubectl(['delete', 'jobnotifier', 'dead-hook']);
});

test('email through SMTP (parsed by mailparser) and save in Ofelia file layout', async () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'smtp-creds', namespace: 'default' },
    stringData: { username: 'mailer', password: 's3cret-pass' },
  };
  assert.equal((await apply(secret)).code, 0);
  const selector = { matchLabels: { app: 'mailed' } };
  assert.equal(
    (
      await apply(
        notifier('mail', {
          type: 'email',
          jobSelector: selector,
          email: {
            host: '127.0.0.1',
            port: smtp.port,
            tls: 'none',
            credentialsFrom: { name: 'smtp-creds' },
            from: 'ofelia@example.test',
            to: ['ops@example.test', 'dev@example.test'],
            subject: 'Job {{namespace}}/{{job}} {{event}} (exit {{exitCode}})',
          },
        }),
      )
    ).code,
    0,
  );
  const folder = join(saveRoot, 'reports');
  assert.equal(
    (await apply(notifier('save', { type: 'save', jobSelector: selector, save: { folder } }))).code,
    0,
  );
  assert.equal(
    (
      await apply(
        notifier('save-outside', { type: 'save', jobSelector: selector, save: { folder: '/etc/ofelia' } }),
      )
    ).code,
    0,
  );
  await waitReady('mail');
  await waitReady('save');
  const outside = await waitReady('save-outside', 'False');
  assert.equal(outside.reason, 'SaveDirNotAllowed');

  await applyJob(kubectl, manualJob('mailed', 'echo mail-output; exit 4', { app: 'mailed' }));
  await runNow('mailed');
  await finishedRuns('mailed', 1);
  const mail = await waitFor('a mail', () => smtp.mails[0]);
  assert.equal(mail.subject, 'Job default/mailed Failed (exit 4)');
  assert.equal(mail.from?.text, 'ofelia@example.test');
  const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : mail.to?.text;
  assert.match(to ?? '', /ops@example\.test.*dev@example\.test/);
  assert.match(mail.text ?? '', /mail-output/);
  assert.match(mail.text ?? '', /Dashboard: https:\/\/dash\.example\.test\/ui\/jobs\/default\/mailed/);
  assert.equal(mail.headers.get('x-ofelia-job'), 'default/mailed');
  // Ofelia's mail attached the run's report: the same three files the save type writes.
  const attached = mail.attachments.map((a) => a.filename ?? '').sort();
  assert.equal(attached.length, 3, attached.join(', '));
  for (const name of attached)
    assert.match(name, /^\d{8}_\d{6}_default_mailed\.(json|stderr\.log|stdout\.log)$/);
  const attachment = (suffix: string) =>
    mail.attachments.find((a) => a.filename?.endsWith(suffix))?.content.toString('utf8') ?? '';
  assert.equal(attachment('.stdout.log'), 'mail-output\n');
  assert.equal(JSON.parse(attachment('.json')).exitCode, 4);

  const files = await waitFor('three saved files', () => {
    try {
      const names = readdirSync(folder);
      return names.length === 3 && names.sort();
    } catch {
      return false;
    }
  });
  for (const name of files)
    assert.match(name, /^\d{8}_\d{6}_default_mailed\.(json|stderr\.log|stdout\.log)$/);
  const stdout = files.find((f) => f.endsWith('.stdout.log')) as string;
  assert.match(readFileSync(join(folder, stdout), 'utf8'), /mail-output/);
  const meta = JSON.parse(
    readFileSync(join(folder, files.find((f) => f.endsWith('.json')) as string), 'utf8'),
  );
  assert.equal(meta.event, 'Failed');
  assert.equal(meta.exitCode, 4);
  for (const name of ['mail', 'save', 'save-outside']) await kubectl(['delete', 'jobnotifier', name]);
  await kubectl(['delete', 'sdj', 'mailed']);
});

test('bad input: rejected at admission with the field path, or Ready=False with a reason', async () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown type', { type: 'carrier-pigeon', address: 'https://x.test' }, /spec\.type/],
    ['invalid URL', { type: 'slack', address: 'not a url' }, /spec\.address/],
    ['credentials in the URL', { type: 'slack', address: 'https://u:p@hooks.test/x' }, /spec\.address/],
    [
      'invalid selector',
      {
        type: 'webhook',
        address: 'https://x.test',
        jobSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] },
      },
      /spec\.jobSelector\.matchExpressions\[0\]\.values/,
    ],
    [
      'template that does not parse',
      { type: 'email', email: { host: 'smtp.test', from: 'a@b.test', to: ['c@d.test'], subject: 'x {{job' } },
      /spec\.email\.subject/,
    ],
    ['email without settings', { type: 'email' }, /spec\.email/],
  ];
  for (const [what, spec, field] of cases) {
    const r = await apply(notifier('bad', spec));
    assert.notEqual(r.code, 0, what);
    assert.match(r.stderr, field, `${what}: ${r.stderr}`);
  }
  assert.equal(
    (
      await apply(
        notifier('no-secret', {
          type: 'slack',
          addressFrom: { secretKeyRef: { name: 'absent', key: 'url' } },
        }),
      )
    ).code,
    0,
  );
  const ready = await waitReady('no-secret', 'False');
  assert.equal(ready.reason, 'SecretNotFound');
  assert.match(ready.message ?? '', /Secret absent/);
  await kubectl(['delete', 'jobnotifier', 'no-secret']);
});
