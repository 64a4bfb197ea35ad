// Talking to the dashboard server: login/logout, the CSRF token (memory only, never stored),
// actions, job details, run output, and the live feed (one EventSource for the whole app).
let csrf = '';

export async function currentSession() {
  const r = await fetch('/api/session', { credentials: 'same-origin' });
  if (!r.ok) return false;
  csrf = (await r.json()).csrf;
  return true;
}

export async function login(token) {
  const r = await fetch('/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || `login failed (${r.status})`);
  csrf = body.csrf;
}

export async function logout() {
  await fetch('/api/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrf },
  });
  csrf = '';
}

const path = (ns, name) => `/api/jobs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;

export async function action(ns, name, what) {
  const r = await fetch(`${path(ns, name)}/${what}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrf },
  });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || `${what} refused (${r.status})`);
  return body;
}

export async function jobDetail(ns, name) {
  const r = await fetch(path(ns, name), { credentials: 'same-origin' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || `job not readable (${r.status})`);
  return body;
}

/** Streams a run's stored output; calls onText per chunk; resolves at the end (or on abort). */
export async function streamOutput(ns, name, run, follow, onText, signal) {
  const r = await fetch(
    `${path(ns, name)}/runs/${encodeURIComponent(run)}/output${follow ? '?follow=1' : ''}`,
    {
      credentials: 'same-origin',
      signal,
    },
  );
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new Error(body.message || `no output (${r.status})`);
  }
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    onText(dec.decode(value, { stream: true }));
  }
}

/**
 * The live job list: a Map `ns/name` -> summary fed by ONE EventSource. Listeners are called at
 * most once per animation frame, however many updates arrived (a burst of 10,000 costs one render).
 */
export class JobFeed {
  constructor() {
    this.jobs = new Map();
    this.marks = [];
    this.version = 0;
    this.listeners = new Set();
    this.state = 'connecting';
    this.problem = '';
    this.pending = false;
    // Figures the benchmark reads (bench/dashboard.bench.ts): when the data came, and for each
    // render how long after its first unrendered event it was committed (last 1000 renders).
    this.stats = { snapshotAt: 0, snapshotJobs: 0, updates: 0, pendingSince: 0, renderLatencies: [] };
  }
  start() {
    const es = new EventSource('/api/feed');
    this.es = es;
    es.addEventListener('snapshot', (e) => {
      this.stats.snapshotAt = performance.now();
      const { jobs } = JSON.parse(e.data);
      this.jobs = new Map(jobs.map((j) => [`${j.namespace}/${j.name}`, j]));
      this.stats.snapshotJobs = jobs.length;
      this.state = 'live';
      this.bump();
    });
    es.addEventListener('upsert', (e) => {
      this.stats.updates++;
      const j = JSON.parse(e.data);
      this.jobs.set(`${j.namespace}/${j.name}`, j);
      this.bump();
    });
    es.addEventListener('delete', (e) => {
      const j = JSON.parse(e.data);
      this.jobs.delete(`${j.namespace}/${j.name}`);
      this.bump();
    });
    es.addEventListener('marks', (e) => {
      this.marks = JSON.parse(e.data).marks;
      this.bump();
    });
    es.addEventListener('mark', (e) => {
      this.marks.push(JSON.parse(e.data));
      if (this.marks.length > 5000) this.marks.splice(0, this.marks.length - 5000);
      this.bump();
    });
    es.addEventListener('problem', (e) => {
      this.problem = JSON.parse(e.data).message;
      this.state = 'refused';
      es.close();
      this.bump();
    });
    es.onerror = () => {
      if (this.state !== 'refused') this.state = 'reconnecting';
      this.bump();
    };
  }
  stop() {
    this.es?.close();
  }
  bump() {
    this.version++;
    if (!this.stats.pendingSince) this.stats.pendingSince = performance.now();
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      for (const l of this.listeners) l(this.version);
    });
  }
  /** Called by the view after it committed a render of the current version. */
  rendered() {
    if (!this.stats.pendingSince) return;
    const l = this.stats.renderLatencies;
    l.push(performance.now() - this.stats.pendingSince);
    if (l.length > 1000) l.shift();
    this.stats.pendingSince = 0;
  }
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
