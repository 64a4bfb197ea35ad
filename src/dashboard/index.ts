/**
 * The dashboard (issue 13): a web UI served by the operator — jobs table, timeline, job page with
 * full run output, run now / suspend / resume — and the output API that `kubectl sdj` reads.
 *
 * In: where the Kubernetes API is (never the operator's credentials: each user's own token is
 * used for their reads and writes, so the API server's authorization decides), this replica's
 * output store and node name. Out: an HTTP(S) server on `--dashboard-listen` (default
 * 127.0.0.1:8081). Never: polls per job (one watch per browser tab), logs tokens or puts them in
 * URLs, needs a build step (assets.ts). Reference: docs/dashboard.md.
 */
export { type Dashboard, type DashboardOptions, SESSION_COOKIE, startDashboard } from './server.ts';
export { type ClusterAddress, type ClusterEndpoint, endpointFrom } from './user-kube.ts';
