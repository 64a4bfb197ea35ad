// The dashboard app: login, then the jobs table, the timeline and job pages (hash routes:
// #/, #/timeline, #/job/<namespace>/<name>), all fed by one live feed.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, JobFeed, login, logout } from './api.js';
import { html } from './html.js';
import { JobPage } from './job-page.js';
import { JobsTable, useFilteredJobs } from './jobs-table.js';
import { Timeline } from './timeline.js';

function Login({ done }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = (e) => {
    e.preventDefault();
    login(token).then(
      () => {
        setToken('');
        done();
      },
      (err) => setError(err.message),
    );
  };
  return html`<form class="login" onSubmit=${submit}>
    <h1>ofelia-operator</h1>
    <p class="muted">Log in with a Kubernetes bearer token (embedded mode: <code>ofelia-operator token create NAME</code>). What you may see and do is what this token may do.</p>
    <input type="password" name="token" autocomplete="off" placeholder="token" value=${token} onInput=${(e) => setToken(e.target.value)} />
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <button class="primary" type="submit">Log in</button>
  </form>`;
}

const parseRoute = () => {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'job' && parts[1] && parts[2]) return { page: 'job', ns: parts[1], name: parts[2] };
  if (parts[0] === 'timeline') return { page: 'timeline' };
  return { page: 'jobs' };
};

function Shell({ onLogout }) {
  const [feed] = useState(() => new JobFeed());
  const [version, setVersion] = useState(0);
  const [route, setRoute] = useState(parseRoute);
  const [toastMsg, setToast] = useState(null);
  const [filter, setFilter] = useState({
    namespace: '',
    labels: '',
    state: '',
    text: '',
    sort: 'next',
    dir: 1,
  });
  useEffect(() => {
    const off = feed.subscribe(setVersion);
    feed.start();
    const onHash = () => setRoute(parseRoute());
    window.addEventListener('hashchange', onHash);
    window.__sdjFeed = feed;
    return () => {
      off();
      feed.stop();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);
  const toast = (msg, bad) => {
    setToast({ msg, bad });
    setTimeout(() => setToast(null), 4000);
  };
  const open = (j) => {
    location.hash = `#/job/${encodeURIComponent(j.namespace)}/${encodeURIComponent(j.name)}`;
  };
  const timelineJobs = useFilteredJobs(feed, version, filter);
  let body;
  if (route.page === 'job') {
    body = html`<${JobPage} ns=${route.ns} name=${route.name} summary=${feed.jobs.get(`${route.ns}/${route.name}`)} marks=${feed.marks} version=${version} toast=${toast} />`;
  } else if (route.page === 'timeline') {
    body = html`<${Timeline} jobs=${timelineJobs} marks=${feed.marks} version=${version} open=${open} maxHeight=${window.innerHeight - 140} />`;
  } else {
    body = html`<${JobsTable} feed=${feed} version=${version} filter=${filter} setFilter=${setFilter} open=${open} />`;
  }
  return html`<div>
    <header class="top">
      <span class="brand">ofelia-operator</span>
      <a href="#/" class=${route.page === 'jobs' ? 'on' : ''}>Jobs</a>
      <a href="#/timeline" class=${route.page === 'timeline' ? 'on' : ''}>Timeline</a>
      <span class="live" data-feed=${feed.state}>${feed.state === 'live' ? '● live' : feed.state}</span>
      <button onClick=${() => logout().then(onLogout)}>Log out</button>
    </header>
    <main>
      ${feed.state === 'refused' ? html`<p class="error" role="alert">The API server refused the job list: ${feed.problem}</p>` : ''}
      ${body}
    </main>
    ${toastMsg ? html`<div class=${`toast ${toastMsg.bad ? 'bad' : ''}`} role="status">${toastMsg.msg}</div>` : ''}
  </div>`;
}

function App() {
  const [session, setSession] = useState(undefined);
  useEffect(() => {
    currentSession().then(setSession, () => setSession(false));
  }, []);
  if (session === undefined) return html`<p class="boot">Loading…</p>`;
  if (!session) return html`<${Login} done=${() => setSession(true)} />`;
  return html`<${Shell} onLogout=${() => setSession(false)} />`;
}

render(html`<${App} />`, document.getElementById('app'));
