/**
 * Observability over HTTP: /metrics, /healthz, /readyz.
 *
 * In: a prom-client Registry and named `Checker`s (liveness and readiness) supplied by the parts
 * of the operator that know their own state. Out: one small node:http server on --http-listen.
 * Never: mutates operator state, reads configuration itself, or serves the Kubernetes API (that
 * is src/apiserver).
 */
export { type Checker, type CheckOutcome, checkerFrom, formatOutcomes, runChecks } from './checker.ts';
export { EventLoopWatchdog, type EventLoopWatchdogOptions } from './event-loop-watchdog.ts';
export {
  ListenError,
  type ObservabilityServer,
  type ObservabilityServerOptions,
  startObservabilityServer,
} from './server.ts';
