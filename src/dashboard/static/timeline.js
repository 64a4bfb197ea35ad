// The timeline: one row per job, runs as bars coloured by result (running ones up to now), the
// next scheduled runs as ticks, skipped/missed runs as marks. Drawn on a canvas, only the rows in
// view. Zoom: the buttons or Ctrl+wheel (around the pointer); pan: drag; rows scroll normally.

import { useEffect, useRef, useState } from 'preact/hooks';
import { colorOf } from './format.js';
import { html } from './html.js';

const ROW = 22;
const AXIS = 26;
const LABEL = 220;
const HOUR = 3600_000;

function niceStep(spanMs, px) {
  const steps = [
    60_000,
    5 * 60_000,
    15 * 60_000,
    30 * 60_000,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    24 * HOUR,
  ];
  return steps.find((s) => (s / spanMs) * px >= 70) || 24 * HOUR;
}

export function Timeline({
  jobs,
  marks,
  version,
  open,
  initialPastMs = 24 * HOUR,
  initialFutureMs = 6 * HOUR,
  maxHeight,
}) {
  const [view, setView] = useState(() => ({
    from: Date.now() - initialPastMs,
    to: Date.now() + initialFutureMs,
  }));
  const [scroll, setScroll] = useState(0);
  const [tick, setTick] = useState(0);
  const canvas = useRef(null);
  const wrap = useRef(null);
  const drag = useRef(null);
  const rowsHeight = jobs.length * ROW;
  const height = Math.min(maxHeight || 640, rowsHeight + AXIS);

  useEffect(() => {
    const t = setInterval(() => setTick((x) => x + 1), 5000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const width = c.clientWidth;
    c.width = width * dpr;
    c.height = height * dpr;
    const g = c.getContext('2d');
    g.scale(dpr, dpr);
    g.clearRect(0, 0, width, height);
    g.font = '12px system-ui, sans-serif';
    const plot = width - LABEL;
    const span = view.to - view.from;
    const x = (t) => LABEL + ((t - view.from) / span) * plot;
    const now = Date.now();
    // Axis and grid.
    const step = niceStep(span, plot);
    g.fillStyle = '#656d76';
    g.strokeStyle = '#eaeef2';
    for (let t = Math.ceil(view.from / step) * step; t < view.to; t += step) {
      const px = x(t);
      g.beginPath();
      g.moveTo(px, AXIS - 4);
      g.lineTo(px, height);
      g.stroke();
      const d = new Date(t);
      const label =
        step >= 24 * HOUR
          ? d.toLocaleDateString()
          : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
      g.fillText(label, px + 3, 16);
    }
    const marksByJob = new Map();
    for (const m of marks) {
      const k = `${m.namespace}/${m.job}`;
      if (!marksByJob.has(k)) marksByJob.set(k, []);
      marksByJob.get(k).push(m);
    }
    const first = Math.floor(scroll / ROW);
    const count = Math.ceil((height - AXIS) / ROW) + 1;
    for (let i = first; i < Math.min(jobs.length, first + count); i++) {
      const j = jobs[i];
      const y = AXIS + (i - first) * ROW - (scroll % ROW);
      if (i % 2) {
        g.fillStyle = '#f6f8fa';
        g.fillRect(0, y, width, ROW);
      }
      g.fillStyle = '#1f2328';
      g.save();
      g.beginPath();
      g.rect(0, y, LABEL - 8, ROW);
      g.clip();
      g.fillText(`${j.namespace}/${j.name}`, 8, y + 15);
      g.restore();
      for (const r of j.recentRuns) {
        const s = Date.parse(r.startTime || r.scheduledTime);
        const e = r.finishTime ? Date.parse(r.finishTime) : now;
        if (e < view.from || s > view.to) continue;
        g.fillStyle = colorOf(r.result);
        g.fillRect(Math.max(LABEL, x(s)), y + 5, Math.max(3, x(e) - x(s)), ROW - 10);
      }
      for (const a of j.active) {
        const s = Date.parse(a.startTime || a.scheduledTime);
        g.fillStyle = colorOf('Running');
        g.fillRect(Math.max(LABEL, x(s)), y + 5, Math.max(3, x(now) - x(s)), ROW - 10);
      }
      g.strokeStyle = '#57606a';
      for (const u of j.upcoming) {
        const t = u * 1000;
        if (t < view.from || t > view.to) continue;
        g.beginPath();
        g.moveTo(x(t), y + 4);
        g.lineTo(x(t), y + ROW - 4);
        g.stroke();
      }
      for (const m of marksByJob.get(`${j.namespace}/${j.name}`) || []) {
        const t = Date.parse(m.time);
        if (t < view.from || t > view.to) continue;
        g.fillStyle = m.reason === 'MissSchedule' ? '#cf222e' : '#bc4c00';
        g.beginPath();
        g.moveTo(x(t), y + 4);
        g.lineTo(x(t) + 5, y + ROW - 4);
        g.lineTo(x(t) - 5, y + ROW - 4);
        g.closePath();
        g.fill();
      }
    }
    if (now > view.from && now < view.to) {
      g.strokeStyle = '#0969da';
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(x(now), AXIS - 6);
      g.lineTo(x(now), height);
      g.stroke();
      g.lineWidth = 1;
    }
  }, [jobs, marks, version, view, scroll, height, tick]);

  const zoom = (factor, at) => {
    setView((v) => {
      const center = at ?? (v.from + v.to) / 2;
      const span = Math.min(Math.max((v.to - v.from) * factor, 60_000), 14 * 24 * HOUR);
      const left = (center - v.from) / (v.to - v.from);
      return { from: center - span * left, to: center + span * (1 - left) };
    });
  };
  const preset = (past, future) => setView({ from: Date.now() - past, to: Date.now() + future });
  const timeAt = (clientX) => {
    const r = canvas.current.getBoundingClientRect();
    return view.from + ((clientX - r.left - LABEL) / (r.width - LABEL)) * (view.to - view.from);
  };
  const onWheel = (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.25 : 0.8, timeAt(e.clientX));
  };
  const onDown = (e) => {
    drag.current = { x: e.clientX, view };
  };
  const onMove = (e) => {
    if (!drag.current) return;
    const r = canvas.current.getBoundingClientRect();
    const dt =
      ((e.clientX - drag.current.x) / (r.width - LABEL)) * (drag.current.view.to - drag.current.view.from);
    setView({ from: drag.current.view.from - dt, to: drag.current.view.to - dt });
  };
  const onUp = (e) => {
    const d = drag.current;
    drag.current = null;
    if (d && Math.abs(e.clientX - d.x) < 3 && open) {
      const r = canvas.current.getBoundingClientRect();
      const i = Math.floor((e.clientY - r.top - AXIS + scroll) / ROW);
      if (e.clientY - r.top > AXIS && jobs[i]) open(jobs[i]);
    }
  };
  return html`<div>
    <div class="filters">
      <button class="act" onClick=${() => zoom(0.5)}>zoom in</button>
      <button class="act" onClick=${() => zoom(2)}>zoom out</button>
      <button class="act" onClick=${() => preset(24 * HOUR, 6 * HOUR)}>24 h + next 6 h</button>
      <button class="act" onClick=${() => preset(HOUR, HOUR)}>±1 h</button>
      <button class="act" onClick=${() => preset(10 * 60_000, 5 * 60_000)}>last 10 min</button>
      <span class="legend">
        <span><i style="background:#1a7f37"></i>succeeded</span><span><i style="background:#cf222e"></i>failed</span>
        <span><i style="background:#bc4c00"></i>deadline / daemon</span><span><i style="background:#0969da"></i>running</span>
        <span><i style="background:#8c959f"></i>cancelled</span><span>| next runs</span><span>▲ skipped / missed</span>
      </span>
      <span class="count">${jobs.length} jobs · ${new Date(view.from).toLocaleString()} – ${new Date(view.to).toLocaleString()}</span>
    </div>
    <div class="timeline-wrap" ref=${wrap} style=${`height:${height}px;overflow-y:auto`} onScroll=${(e) => setScroll(e.target.scrollTop)}>
      <div style=${`height:${rowsHeight + AXIS}px;position:relative`}>
        <canvas ref=${canvas} class="timeline" style=${`height:${height}px;position:sticky;top:0`}
          onWheel=${onWheel} onMouseDown=${onDown} onMouseMove=${onMove} onMouseUp=${onUp} onMouseLeave=${() => (drag.current = null)}></canvas>
      </div>
    </div>
  </div>`;
}
