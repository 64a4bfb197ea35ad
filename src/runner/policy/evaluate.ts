/**
 * The policy core: job spec + namespace + policy + facts -> allowed, or the first denial. Pure,
 * and the same for every job kind and every command (`run`, `run-once`). Under the privileged
 * level nothing is denied (the level means exactly that: the operator trusts every job author).
 */
import type { ScheduledDockerJobSpec } from '../../api/schema.ts';
import type { SecurityPolicy } from '../../api/security-policy.ts';
import type { PolicyDecision } from './decision.ts';
import type { PolicyFacts } from './facts.ts';
import { RULES } from './rules/index.ts';
import type { PolicyRule } from './rules/rule.ts';

export interface PolicyQuestion {
  spec: ScheduledDockerJobSpec;
  namespace: string;
  policy: SecurityPolicy;
  facts: PolicyFacts;
}

export function evaluatePolicy(q: PolicyQuestion, rules: readonly PolicyRule[] = RULES): PolicyDecision {
  if (q.policy.level === 'privileged') return { allowed: true };
  for (const rule of rules) {
    const denial = rule.check(q);
    if (denial) return { allowed: false, denial };
  }
  return { allowed: true };
}

/** The rules that need no facts: checked before any look-up, so a plainly denied job costs no Docker call. */
export const STATIC_RULES: readonly PolicyRule[] = RULES.filter((r) => !r.usesFacts);
