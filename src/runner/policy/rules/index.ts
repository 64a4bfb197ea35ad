/**
 * The policy's rules, in the order they are checked (the first denial wins). A rule for a new job
 * field or kind (volumesFrom, local jobs, ...) is one file of the PolicyRule shape added here.
 */
import { bindMountRule } from './bind-mounts.ts';
import { execTargetRule } from './exec-target.ts';
import { hostPidRule } from './host-pid.ts';
import { namedVolumeRule } from './named-volumes.ts';
import { networkRule } from './network.ts';
import { privilegedRule } from './privileged.ts';
import type { PolicyRule } from './rule.ts';
import { securityContextRule } from './security-context.ts';
import { userRule } from './user.ts';

export type { PolicyInput, PolicyRule } from './rule.ts';

export const RULES: readonly PolicyRule[] = [
  privilegedRule,
  hostPidRule,
  networkRule,
  execTargetRule,
  userRule,
  securityContextRule,
  bindMountRule,
  namedVolumeRule,
];
