/**
 * Configuration of `ofelia-operator run`.
 *
 * In: the command-line flags and the environment (passed in, read once by the CLI), plus the
 * --docker-config file through an injected reader. Out: a validated, typed `Config`, or a
 * `ConfigError` whose message is one line naming the flag or variable and the reason.
 * Never: reads `process.env` itself, picks up KUBECONFIG or ~/.kube/config, or opens sockets.
 * The flag table (flags.ts) is the single source of the parser, `--help` and docs/configuration.md.
 */
export {
  type Config,
  ConfigError,
  type ConfigIO,
  type ConfigResult,
  type EmbeddedMode,
  type InClusterMode,
  type KubeconfigMode,
  LOG_FORMATS,
  LOG_LEVELS,
  type Mode,
  type PolicyConfig,
  parseConfig,
} from './config.ts';
export { FLAG_GROUPS, FLAGS, type FlagSpec } from './flags.ts';
export { runHelp } from './help.ts';
export type { HostPort } from './values.ts';
