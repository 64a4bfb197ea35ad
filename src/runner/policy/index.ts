/**
 * The runner's security policy: what a job may ask of the Docker daemon (which is root on its
 * host). In: the job spec, its namespace, the operator's SecurityPolicy (level + allowances) and
 * facts looked up from the daemon and the host's filesystem. Out: allowed, or a denial with the
 * field path, a CamelCase reason and a message. The core (evaluate.ts + rules/) is pure; the
 * look-ups are docker-facts.ts. Never: makes a call that creates, starts or execs anything.
 * Reference: docs/security.md.
 */
export {
  DEFAULT_POLICY,
  EXEC_FROM_LABEL,
  POLICY_LEVELS,
  type PolicyLevel,
  type SecurityPolicy,
  securityPolicy,
} from '../../api/security-policy.ts';
export type { PolicyDecision, PolicyDenial } from './decision.ts';
export {
  ExecTargetNotFound,
  gatherPolicyFacts,
  type HostPaths,
  localHostPaths,
  type PolicyDocker,
  policyDocker,
} from './docker-facts.ts';
export { evaluatePolicy, type PolicyQuestion, STATIC_RULES } from './evaluate.ts';
export type { ContainerFacts, PolicyFacts } from './facts.ts';
export { NO_FACTS } from './facts.ts';
export { RULES } from './rules/index.ts';
export type { PolicyInput, PolicyRule } from './rules/rule.ts';
