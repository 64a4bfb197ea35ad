/** privileged: true (run or exec) only with --allow-privileged. */
import { deny } from '../decision.ts';
import type { PolicyRule } from './rule.ts';

export const privilegedRule: PolicyRule = {
  name: 'privileged',
  usesFacts: false,
  check({ spec, policy }) {
    if (policy.allowPrivileged) return undefined;
    if (spec.run?.privileged) {
      return deny('spec.run.privileged', 'PrivilegedNotAllowed', 'privileged containers are not allowed');
    }
    if (spec.exec?.privileged) {
      return deny('spec.exec.privileged', 'PrivilegedNotAllowed', 'privileged execs are not allowed');
    }
    return undefined;
  },
};
