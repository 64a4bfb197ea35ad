/**
 * The operator as users run it: composition of config, metrics, HTTP endpoints, the Docker pool,
 * the embedded API server or a cluster connection, the runner and the controller.
 *
 * In: a validated Config (src/config) and a logger. Out: a running operator until SIGTERM/SIGINT,
 * then a graceful shutdown and exit code 0; or a StartupError (one line for the user) when a
 * prerequisite is missing: an unreachable Docker daemon, an unusable data directory, a port in
 * use, an unusable kubeconfig.
 * Never: reads process.env or ~/.kube/config, or leaves a part running after a failed start.
 */
export { type ApiConnection, type EmbeddedApi, startEmbeddedApi } from './embedded-mode.ts';
export { StartupError, type StartupFailureReason } from './errors.ts';
export {
  clusterInstanceId,
  INSTANCE_ID_FILE,
  loadOrCreateInstanceId,
  type ResolvedInstance,
  resolveInstance,
} from './instance-id.ts';
export { type OperatorDeps, runOperator } from './operator.ts';
export { checkDataDir, checkDockerDaemons } from './startup-checks.ts';
