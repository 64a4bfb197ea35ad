/** hostPID: true only with --allow-host-pid. */
import { deny } from '../decision.ts';
import type { PolicyRule } from './rule.ts';

export const hostPidRule: PolicyRule = {
  name: 'hostPID',
  usesFacts: false,
  check({ spec, policy }) {
    if (spec.run?.hostPID && !policy.allowHostPid) {
      return deny('spec.run.hostPID', 'HostPidNotAllowed', "the host's PID namespace is not allowed");
    }
    return undefined;
  },
};
