/**
 * The shape every policy rule has: a pure function of the job spec, its namespace, the operator's
 * policy and the facts looked up for this run, returning the first denial it finds or undefined.
 * A rule for a new field (volumesFrom, local jobs, ...) is one more file of this shape added to
 * RULES in index.ts. Rules are only consulted below the privileged level.
 */
import type { ScheduledDockerJobSpec } from '../../../api/schema.ts';
import type { SecurityPolicy } from '../../../api/security-policy.ts';
import type { PolicyDenial } from '../decision.ts';
import type { PolicyFacts } from '../facts.ts';

export interface PolicyInput {
  spec: ScheduledDockerJobSpec;
  /** The job's namespace: whose opt-ins and volumes count. */
  namespace: string;
  policy: SecurityPolicy;
  facts: PolicyFacts;
}

export interface PolicyRule {
  /** What the rule guards, for docs and test names. */
  readonly name: string;
  /** Whether it reads the facts; those that do not are also checked before any look-up. */
  readonly usesFacts: boolean;
  check(input: PolicyInput): PolicyDenial | undefined;
}
