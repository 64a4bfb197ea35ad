// Small formatting helpers shared by the views.
export const RESULT_COLORS = {
  Succeeded: '#1a7f37',
  Failed: '#cf222e',
  Error: '#cf222e',
  ImagePullFailed: '#cf222e',
  PolicyDenied: '#cf222e',
  DeadlineExceeded: '#bc4c00',
  DaemonUnavailable: '#bc4c00',
  ContainerNotFound: '#bc4c00',
  Cancelled: '#8c959f',
  Running: '#0969da',
};

export const colorOf = (result) => RESULT_COLORS[result] || '#8250df';

export function durationText(ms) {
  if (ms === undefined || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m % 60).padStart(2, '0')}m`;
}

/** "in 4m05s" / "12s ago". */
export function relative(iso, now) {
  if (!iso) return '';
  const d = Date.parse(iso) - now;
  if (d >= 0) return `in ${durationText(Math.max(d, 1000))}`;
  return `${durationText(-d)} ago`;
}

export function runDurationMs(r) {
  const start = Date.parse(r.startTime || r.scheduledTime);
  const end = r.finishTime ? Date.parse(r.finishTime) : undefined;
  return end === undefined ? undefined : end - start;
}

export function localTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { hour12: false });
}
