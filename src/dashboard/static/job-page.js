// One job: status and conditions, actions, a duration chart, its timeline, recent runs with their
// full output (a running run's output streamed live), events and the spec as YAML.

import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { action, jobDetail, streamOutput } from './api.js';
import { colorOf, durationText, localTime, relative, runDurationMs } from './format.js';
import { html } from './html.js';
import { Timeline } from './timeline.js';

const MAX_OUTPUT_CHARS = 2_000_000;

function OutputView({ ns, name, run, running }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const pre = useRef(null);
  useEffect(() => {
    const abort = new AbortController();
    let buf = '';
    setText('');
    setError('');
    setLive(running);
    streamOutput(
      ns,
      name,
      run,
      running,
      (chunk) => {
        buf += chunk;
        if (buf.length > MAX_OUTPUT_CHARS) buf = buf.slice(buf.length - MAX_OUTPUT_CHARS);
        setText(buf);
      },
      abort.signal,
    )
      .then(() => setLive(false))
      .catch((e) => {
        if (!abort.signal.aborted) setError(e.message);
        setLive(false);
      });
    return () => abort.abort();
  }, [ns, name, run, running]);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);
  const lines = text.split('\n').filter(Boolean);
  return html`<div class="card full">
    <h2>Output of ${run} ${live ? html`<span class="res-Running">● live</span>` : ''}</h2>
    ${error ? html`<p class="error">${error}</p>` : ''}
    <pre class="output" ref=${pre} data-run=${run}>${lines.map((l) => {
      const stream = l.slice(25, 26);
      const cls = stream === 'E' ? 'E' : stream === '-' ? 'notice' : '';
      return html`<div class=${cls}><span class="t">${l.slice(11, 23)} </span>${l.slice(27)}</div>`;
    })}</pre>
  </div>`;
}

function DurationChart({ runs }) {
  const el = useRef(null);
  useEffect(() => {
    if (!el.current) return;
    const rs = runs
      .filter((r) => r.finishTime)
      .slice()
      .reverse();
    if (rs.length === 0) return;
    const xs = rs.map((r) => Date.parse(r.scheduledTime) / 1000);
    const ys = rs.map((r) => (runDurationMs(r) || 0) / 1000);
    const plot = new uPlot(
      {
        width: el.current.clientWidth || 400,
        height: 160,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [{}, { label: 'seconds', size: 50 }],
        series: [
          {},
          {
            label: 'duration',
            stroke: '#57606a',
            points: { size: 7, fill: '#fff' },
          },
        ],
        hooks: {
          draw: [
            (u) => {
              const g = u.ctx;
              rs.forEach((r, i) => {
                g.fillStyle = colorOf(r.result);
                g.beginPath();
                g.arc(
                  u.valToPos(xs[i], 'x', true),
                  u.valToPos(ys[i], 'y', true),
                  5 * devicePixelRatio,
                  0,
                  2 * Math.PI,
                );
                g.fill();
              });
            },
          ],
        },
      },
      [xs, ys],
      el.current,
    );
    return () => plot.destroy();
  }, [runs]);
  return html`<div ref=${el}></div>`;
}

// The JobNotifiers that would send word about this job's runs (the server decides, with the
// notifier controller's own rule); never their addresses or secrets, which the server leaves out.
function Notifiers({ n }) {
  if (!n) return '';
  const title = html`<h2>Notifiers that apply</h2>`;
  if (!n.readable)
    return html`<div class="card full notifiers">${title}<p class="muted not-allowed">${
      n.status === 403
        ? 'Not allowed: your token may not list JobNotifiers in this namespace.'
        : 'JobNotifiers could not be read.'
    } <span class="why">${n.message}</span></p></div>`;
  const invalid = n.invalid
    ? html`<p class="muted">${n.invalid} JobNotifier(s) of this namespace have an invalid spec and notify no job.</p>`
    : '';
  if (n.optedOut)
    return html`<div class="card full notifiers">${title}<p class="muted opted-out">None: this job turned notifications off (<code>spec.notifications.enabled: false</code>).</p></div>`;
  if (n.applying.length === 0)
    return html`<div class="card full notifiers">${title}<p class="muted none">No JobNotifier of this namespace selects this job.</p>${invalid}</div>`;
  return html`<div class="card full notifiers">${title}
    <table class="list"><thead><tr><th>Name</th><th>Type</th><th>Events</th><th>Why</th><th>Ready</th><th>Last delivery</th><th>Counters</th></tr></thead><tbody>
      ${n.applying.map(
        (x) => html`<tr data-notifier=${x.name}>
          <td>${x.name}</td><td class="type">${x.type}</td><td class="events">${x.events.join(', ')}</td>
          <td>${x.via === 'named' ? 'named by the job' : 'its jobSelector'}</td>
          <td class="ready" data-status=${x.ready.status} title=${x.ready.message}>${x.ready.status === 'True' ? 'Ready' : `${x.ready.reason}: ${x.ready.message}`}</td>
          <td class=${`last res-${x.lastDeliveryResult === 'Delivered' ? 'Succeeded' : x.lastDeliveryResult || ''}`}>${x.lastDeliveryResult ? `${x.lastDeliveryResult} ${localTime(x.lastDeliveryTime)}${x.lastError ? ` — ${x.lastError}` : ''}` : '—'}</td>
          <td class="muted">${Object.entries(x.counters || {})
            .map(([k, v]) => `${k} ${v}`)
            .join(' · ')}</td>
        </tr>`,
      )}
    </tbody></table>${invalid}</div>`;
}

export function JobPage({ ns, name, summary, marks, version, toast }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState('');
  const [now, setNow] = useState(Date.now());
  const key = summary
    ? `${summary.recentRuns[0]?.name}|${summary.active.map((a) => a.name).join(',')}|${summary.suspend}|${summary.nextScheduleTime}`
    : '';
  useEffect(() => {
    jobDetail(ns, name).then(setDetail, (e) => setError(e.message));
  }, [ns, name, key]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  if (error) return html`<p class="error">${error}</p>`;
  if (!detail) return html`<p class="muted">Loading ${ns}/${name}…</p>`;
  const job = detail.job;
  const status = job.status || {};
  const runs = status.recentRuns || [];
  const active = status.active || [];
  const state = summary?.state || (job.spec.suspend ? 'Suspended' : 'Scheduled');
  const act = (what) =>
    action(ns, name, what).then(
      () => toast(`${what} sent`),
      (e) => toast(e.message, true),
    );
  const allRuns = [...active.map((a) => ({ ...a, result: 'Running', running: true })), ...runs];
  const shown = selected || allRuns[0]?.name;
  const shownRun = allRuns.find((r) => r.name === shown);
  return html`<div class="job">
    <h1><span class=${`dot ${state}`}></span>${name} <span class="muted">${ns}</span>
      <span class="state" data-state=${state}>${state}</span>
      <span class="actions">
        <button class="act" onClick=${() => act('run-now')}>Run now</button>
        ${
          job.spec.suspend
            ? html`<button class="act" onClick=${() => act('resume')}>Resume</button>`
            : html`<button class="act" onClick=${() => act('suspend')}>Suspend</button>`
        }
      </span>
    </h1>
    <div class="cards">
      <div class="card">
        <h2>Status</h2>
        <table class="kv"><tbody>
          <tr><td>Schedule</td><td>${summary?.scheduleText || ''} <code>${job.spec.schedule}</code></td></tr>
          <tr><td>Time zone</td><td>${job.spec.timeZone || 'UTC'}</td></tr>
          <tr><td>Next run</td><td class="next">${status.nextScheduleTime ? `${relative(status.nextScheduleTime, now)} (${localTime(status.nextScheduleTime)})` : '—'}</td></tr>
          <tr><td>Last result</td><td class=${`res-${status.lastResult || ''}`}>${status.lastResult || '—'}</td></tr>
          <tr><td>Counters</td><td>${Object.entries(status.counters || {})
            .map(([k, v]) => `${k} ${v}`)
            .join(' · ')}</td></tr>
          <tr><td>Image / command</td><td><code>${job.spec.run ? `${job.spec.run.image} ${(job.spec.run.command || []).join(' ')}` : `exec in ${job.spec.exec?.container}`}</code></td></tr>
        </tbody></table>
        <h2>Conditions</h2>
        <table class="list"><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th></tr></thead><tbody>
          ${(status.conditions || []).map((c) => html`<tr><td>${c.type}</td><td>${c.status}</td><td>${c.reason}</td><td>${c.message || ''}</td></tr>`)}
        </tbody></table>
      </div>
      <div class="card">
        <h2>Durations of recent runs</h2>
        <${DurationChart} runs=${runs} />
      </div>
      <div class="card full">
        <h2>Timeline</h2>
        ${summary ? html`<${Timeline} jobs=${[summary]} marks=${marks.filter((m) => m.namespace === ns && m.job === name)} version=${version} maxHeight=${60} />` : ''}
      </div>
      <div class="card full">
        <h2>Recent runs</h2>
        <table class="list runs"><thead><tr><th>Run</th><th>Trigger</th><th>Result</th><th>Exit</th><th>Started</th><th>Duration</th><th>Node</th></tr></thead><tbody>
          ${allRuns.map(
            (
              r,
            ) => html`<tr class=${`click ${r.name === shown ? 'sel' : ''}`} data-run=${r.name} onClick=${() => setSelected(r.name)}>
              <td>${r.name}</td><td>${r.trigger || ''}</td><td class=${`res-${r.result}`}>${r.result}</td><td>${r.exitCode ?? ''}</td>
              <td>${localTime(r.startTime || r.scheduledTime)}</td><td>${r.running ? relative(r.startTime || r.scheduledTime, now).replace(' ago', '') : durationText(runDurationMs(r))}</td><td>${r.node || ''}</td></tr>`,
          )}
        </tbody></table>
      </div>
      ${shownRun ? html`<${OutputView} ns=${ns} name=${name} run=${shownRun.name} running=${!!shownRun.running} />` : ''}
      <${Notifiers} n=${detail.notifiers} />
      <div class="card full">
        <h2>Events</h2>
        <table class="list"><thead><tr><th>Type</th><th>Reason</th><th>Last seen</th><th>Count</th><th>Message</th></tr></thead><tbody>
          ${detail.events
            .slice(-50)
            .reverse()
            .map(
              (e) =>
                html`<tr><td>${e.type}</td><td>${e.reason}</td><td>${localTime(e.lastTimestamp || e.eventTime)}</td><td>${e.count || 1}</td><td>${e.message}</td></tr>`,
            )}
        </tbody></table>
      </div>
      <div class="card full">
        <h2>Spec</h2>
        <pre class="yaml">${detail.specYaml}</pre>
      </div>
    </div>
  </div>`;
}
