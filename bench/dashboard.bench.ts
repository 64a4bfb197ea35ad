/**
 * The dashboard with many jobs, in a real headless Chromium: the jobs page against the embedded
 * API server (real watch, real SSE relay, the browser app as shipped), for 10,000 jobs against a
 * baseline of 100 measured in the same run.
 *
 *   node --expose-gc --import tsx bench/dashboard.bench.ts      (or: npm run bench -- dashboard)
 *
 * Figures per size:
 * - first render: from navigation start to the table committed with every job (snapshot fetched,
 *   parsed, filtered, sorted, visible rows rendered);
 * - per update: main-thread time of the page (Chrome's ScriptDuration + LayoutDuration +
 *   RecalcStyleDuration) while UPDATES status changes stream in through the watch, divided by
 *   UPDATES; and the latency from a change's arrival to its render (median, p95);
 * - snapshot bytes: the feed's first message.
 * Needs Debian's chromium (OFELIA_CHROMIUM to point elsewhere). Takes about a minute.
 */
import { Agent, request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { chromium } from 'playwright-core';
import { endpointFrom, startDashboard } from '../src/dashboard/index.ts';
import { silentLogger } from '../src/log/logger.ts';
import { startTestApiServer } from '../test/helpers/apiserver.ts';

/** What the page functions below read of the app (this project compiles without lib.dom). */
declare const window: {
  __sdjRendered?: { rows: number; at: number };
  __sdjFeed: { stats: { updates: number; renderLatencies: number[]; snapshotAt: number } };
};
declare function requestAnimationFrame(cb: () => void): number;

const SIZES = [100, Number(process.env.DASHBOARD_BENCH_JOBS ?? 10_000)];
const UPDATES = 300;
const CHROMIUM = process.env.OFELIA_CHROMIUM ?? '/usr/bin/chromium';
const SCHEDULES = ['*/5 * * * *', '0 * * * *', '30 2 * * *', '*/15 * * * *', '0 9 * * 1-5', '@every 90s'];

interface Figures {
  jobs: number;
  createSeconds: number;
  snapshotBytes: number;
  firstRenderMs: number;
  /** From the snapshot's arrival in the page to the table committed. */
  snapshotToTableMs: number;
  perUpdateMs: number;
  latencyP50: number;
  latencyP95: number;
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

async function measure(jobs: number): Promise<Figures> {
  const api = await startTestApiServer();
  const kc = new KubeConfig();
  kc.loadFromFile(api.kubeconfig);
  const endpoint = endpointFrom(kc.getCurrentCluster());
  const agent = new Agent({
    ca: Buffer.from(kc.getCurrentCluster()!.caData!, 'base64'),
    keepAlive: true,
    maxSockets: 16,
  });
  const call = (method: string, path: string, body: unknown, type = 'application/json') =>
    new Promise<number>((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = request(
        `${api.url}${path}`,
        {
          method,
          agent,
          timeout: 30_000,
          headers: {
            Authorization: `Bearer ${api.token}`,
            'Content-Type': type,
            'Content-Length': payload.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  const base = '/apis/ofelia.dev/v1alpha1/namespaces/default/scheduleddockerjobs';
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs) {
        const i = next++;
        const status = await call('POST', base, {
          apiVersion: 'ofelia.dev/v1alpha1',
          kind: 'ScheduledDockerJob',
          metadata: { name: `job-${String(i).padStart(5, '0')}`, labels: { team: `t${i % 20}` } },
          spec: { schedule: SCHEDULES[i % SCHEDULES.length], run: { image: 'busybox', command: ['true'] } },
        });
        if (status !== 201) throw new Error(`create answered ${status}`);
      }
    }),
  );
  const createSeconds = (performance.now() - started) / 1000;

  const dashboard = await startDashboard({
    host: '127.0.0.1',
    port: 0,
    endpoint,
    output: undefined,
    nodeName: 'bench',
    log: silentLogger(),
  });
  const login = await fetch(`${dashboard.url}/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: api.token }),
  });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!.split('=');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: cookie[0]!, value: cookie.slice(1).join('='), url: dashboard.url }]);
    const page = await context.newPage();
    await page.goto(dashboard.url);
    await page.waitForFunction((n) => window.__sdjRendered?.rows === n, jobs, { timeout: 120_000 });
    const firstRenderMs = await page.evaluate(() => window.__sdjRendered!.at);
    const snapshotToTableMs = firstRenderMs - (await page.evaluate(() => window.__sdjFeed.stats.snapshotAt));
    const snapshotBytes = await page.evaluate(async () => {
      // The same snapshot the page got, measured as text (the stream has no content-length).
      const r = await fetch('/api/feed');
      const reader = r.body!.getReader();
      const dec = new TextDecoder();
      let text = '';
      // (no named functions in here: tsx would wrap them in a helper the page does not have)
      while (
        text.indexOf('event: snapshot') < 0 ||
        text.indexOf('\n\n', text.indexOf('event: snapshot')) < 0
      ) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value, { stream: true });
      }
      await reader.cancel();
      return text.indexOf('\n\n', text.indexOf('event: snapshot')) - text.indexOf('event: snapshot');
    });

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const cpu = async () => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as {
        metrics: { name: string; value: number }[];
      };
      const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? 0;
      return get('ScriptDuration') + get('LayoutDuration') + get('RecalcStyleDuration');
    };
    const updatesBefore = await page.evaluate(() => window.__sdjFeed.stats.updates);
    await page.evaluate(() => {
      window.__sdjFeed.stats.renderLatencies = [];
    });
    const cpuBefore = await cpu();
    // Status changes, a few at a time, as runs finishing would make them.
    let u = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (u < UPDATES) {
          const i = (u++ * 37) % jobs;
          const name = `job-${String(i).padStart(5, '0')}`;
          const code = await call(
            'PATCH',
            `${base}/${name}/status`,
            {
              status: {
                lastResult: u % 5 ? 'Succeeded' : 'Failed',
                nextScheduleTime: new Date(Date.now() + 60_000 + u * 1000).toISOString(),
              },
            },
            'application/merge-patch+json',
          );
          if (code !== 200) throw new Error(`status patch answered ${code}`);
        }
      }),
    );
    await page.waitForFunction((want) => window.__sdjFeed.stats.updates >= want, updatesBefore + UPDATES, {
      timeout: 120_000,
    });
    await page.evaluate(
      () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
    );
    const cpuAfter = await cpu();
    const latencies = await page.evaluate(() => window.__sdjFeed.stats.renderLatencies);
    return {
      jobs,
      createSeconds,
      snapshotBytes,
      firstRenderMs,
      snapshotToTableMs,
      perUpdateMs: ((cpuAfter - cpuBefore) * 1000) / UPDATES,
      latencyP50: pct(latencies, 50),
      latencyP95: pct(latencies, 95),
    };
  } finally {
    await browser.close();
    await dashboard.close();
    agent.destroy();
    await api.close();
  }
}

const rows: Figures[] = [];
for (const n of SIZES) rows.push(await measure(n));
const base = rows[0]!;
const f = (n: number, d = 1) => n.toFixed(d);
console.log(`Dashboard jobs page in headless Chromium, ${UPDATES} status updates streamed per size\n`);
console.log(
  '| jobs | snapshot | first render (snapshot → table) | per update (main thread) | update→render p50 / p95 | vs baseline (first render, per update) |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.jobs.toLocaleString('en')} | ${f(r.snapshotBytes / 1024 / 1024, 2)} MiB | ${f(r.firstRenderMs, 0)} ms (${f(r.snapshotToTableMs, 0)} ms) | ${f(r.perUpdateMs, 2)} ms | ${f(r.latencyP50)} / ${f(r.latencyP95)} ms | ${f(r.firstRenderMs / base.firstRenderMs)}x, ${f(r.perUpdateMs / base.perUpdateMs)}x |`,
  );
}
console.log(
  `\n(jobs created through the API in ${rows.map((r) => `${f(r.createSeconds)} s`).join(' / ')}; not part of the figures)`,
);
