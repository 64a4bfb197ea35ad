// The jobs table: filter (namespace, label selector, state), sort, and a virtual list that renders
// only the rows in view, so 10,000 jobs cost what 40 do. Countdowns tick once a second.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { colorOf, durationText, relative, runDurationMs } from './format.js';
import { html } from './html.js';

const ROW = 30;
const OVERSCAN = 8;

/** `app=web,tier!=db,team` against a job's labels. */
export function labelMatcher(selector) {
  const terms = selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const ne = t.indexOf('!=');
      if (ne > 0) return (l) => l[t.slice(0, ne).trim()] !== t.slice(ne + 2).trim();
      const eq = t.indexOf('=');
      if (eq > 0)
        return (l) =>
          l[t.slice(0, eq).trim()] ===
          t
            .slice(eq + 1)
            .replace(/^=/, '')
            .trim();
      return (l) => t in l;
    });
  return (labels) => terms.every((f) => f(labels || {}));
}

export function useFilteredJobs(feed, version, filter) {
  return useMemo(() => {
    const match = labelMatcher(filter.labels);
    const text = filter.text.toLowerCase();
    const out = [];
    for (const j of feed.jobs.values()) {
      if (filter.namespace && j.namespace !== filter.namespace) continue;
      if (filter.state && j.state !== filter.state) continue;
      if (text && !j.name.toLowerCase().includes(text)) continue;
      if (!match(j.labels)) continue;
      out.push(j);
    }
    const key = SORTS[filter.sort] || SORTS.name;
    out.sort((a, b) => key(a, b) * filter.dir);
    return out;
  }, [version, filter.namespace, filter.state, filter.labels, filter.text, filter.sort, filter.dir]);
}

const far = '9999';
const SORTS = {
  name: (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  next: (a, b) => (a.nextScheduleTime || far).localeCompare(b.nextScheduleTime || far),
  state: (a, b) => a.state.localeCompare(b.state),
  last: (a, b) => (a.lastResult || '').localeCompare(b.lastResult || ''),
  duration: (a, b) =>
    (runDurationMs(a.recentRuns[0] || {}) || 0) - (runDurationMs(b.recentRuns[0] || {}) || 0),
};

function Spark({ runs }) {
  const recent = runs.slice(0, 12).reverse();
  const ds = recent.map((r) => runDurationMs(r) || 0);
  const max = Math.max(1, ...ds);
  return html`<svg class="spark" width="120" height="20" viewBox="0 0 120 20" aria-label="recent durations">
    ${recent.map(
      (r, i) =>
        html`<rect x=${i * 10} y=${20 - Math.max(2, (ds[i] / max) * 20)} width="8" height=${Math.max(2, (ds[i] / max) * 20)} fill=${colorOf(r.result)}><title>${r.name}: ${r.result} ${durationText(ds[i])}</title></rect>`,
    )}
  </svg>`;
}

function Row({ job, top, now, open }) {
  const last = job.recentRuns[0];
  const running = job.active.length > 0;
  return html`<div class="row" style=${`top:${top}px`} data-job=${`${job.namespace}/${job.name}`} onClick=${() => open(job)}>
    <span><span class=${`dot ${job.state}`} title=${job.state}></span></span>
    <span title=${job.name}><b>${job.name}</b></span>
    <span class="muted">${job.namespace}</span>
    <span title=${job.schedule}>${job.scheduleText} <code class="muted">${job.schedule}</code></span>
    <span class="muted">${job.timeZone || 'UTC'}</span>
    <span class="next" title=${job.nextScheduleTime || ''}>${running ? html`<span class="res-Running">running</span>` : relative(job.nextScheduleTime, now)}</span>
    <span class=${`res-${job.lastResult || ''}`}>${job.lastResult || '—'}</span>
    <span class="muted">${last ? durationText(runDurationMs(last)) : ''}</span>
    <span><${Spark} runs=${job.recentRuns} /></span>
  </div>`;
}

export function JobsTable({ feed, version, filter, setFilter, open }) {
  const jobs = useFilteredJobs(feed, version, filter);
  const [now, setNow] = useState(Date.now());
  const [scroll, setScroll] = useState(0);
  const [height, setHeight] = useState(600);
  const vp = useRef(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    const fit = () =>
      setHeight(Math.max(200, window.innerHeight - (vp.current?.getBoundingClientRect().top || 150) - 16));
    fit();
    window.addEventListener('resize', fit);
    return () => {
      clearInterval(t);
      window.removeEventListener('resize', fit);
    };
  }, []);
  useEffect(() => {
    window.__sdjRendered = { version, rows: jobs.length, at: performance.now() };
    feed.rendered();
  });
  const namespaces = useMemo(
    () => [...new Set([...feed.jobs.values()].map((j) => j.namespace))].sort(),
    [version],
  );
  const first = Math.max(0, Math.floor(scroll / ROW) - OVERSCAN);
  const last = Math.min(jobs.length, Math.ceil((scroll + height) / ROW) + OVERSCAN);
  const sortBy = (key) => setFilter({ ...filter, sort: key, dir: filter.sort === key ? -filter.dir : 1 });
  const arrow = (key) => (filter.sort === key ? (filter.dir > 0 ? ' ▲' : ' ▼') : '');
  return html`<div>
    <div class="filters">
      <input placeholder="name contains…" value=${filter.text} onInput=${(e) => setFilter({ ...filter, text: e.target.value })} />
      <select value=${filter.namespace} onChange=${(e) => setFilter({ ...filter, namespace: e.target.value })}>
        <option value="">all namespaces</option>
        ${namespaces.map((n) => html`<option value=${n}>${n}</option>`)}
      </select>
      <input placeholder="labels: app=web,tier!=db" value=${filter.labels} onInput=${(e) => setFilter({ ...filter, labels: e.target.value })} />
      <select value=${filter.state} onChange=${(e) => setFilter({ ...filter, state: e.target.value })}>
        <option value="">any state</option>
        ${['Scheduled', 'Running', 'Suspended', 'Manual', 'Invalid', 'Exhausted'].map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
      <span class="count">${jobs.length} of ${feed.jobs.size} jobs</span>
    </div>
    <div class="table">
      <div class="thead">
        <span></span>
        <span onClick=${() => sortBy('name')}>Name${arrow('name')}</span>
        <span onClick=${() => sortBy('name')}>Namespace</span>
        <span>Schedule</span>
        <span>Time zone</span>
        <span onClick=${() => sortBy('next')}>Next run${arrow('next')}</span>
        <span onClick=${() => sortBy('last')}>Last result${arrow('last')}</span>
        <span onClick=${() => sortBy('duration')}>Duration${arrow('duration')}</span>
        <span>Recent runs</span>
      </div>
      <div class="viewport" ref=${vp} style=${`height:${height}px`} onScroll=${(e) => setScroll(e.target.scrollTop)}>
        <div style=${`height:${jobs.length * ROW}px;position:relative`}>
          ${jobs.slice(first, last).map((j, i) => html`<${Row} key=${`${j.namespace}/${j.name}`} job=${j} top=${(first + i) * ROW} now=${now} open=${open} />`)}
        </div>
      </div>
    </div>
  </div>`;
}
