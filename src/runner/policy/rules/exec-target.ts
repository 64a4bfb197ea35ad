/** An exec job only reaches a container that opted in for the job's namespace. */
import { deny } from '../decision.ts';
import { containerOptedIn, optInHint } from './opt-in.ts';
import type { PolicyRule } from './rule.ts';

export const execTargetRule: PolicyRule = {
  name: 'exec target opt-in',
  usesFacts: true,
  check({ spec, namespace, policy, facts }) {
    if (!spec.exec) return undefined;
    const target = facts.execTarget;
    // The runner reports a missing target as ContainerNotFound before asking the policy.
    if (!target)
      return deny(
        'spec.exec.container',
        'ExecTargetUnknown',
        'an exec target that was not looked up is not allowed',
      );
    if (containerOptedIn(target, namespace, policy)) return undefined;
    return deny(
      'spec.exec.container',
      'ExecTargetNotOptedIn',
      `exec into ${optInHint(target, namespace)}; it is not allowed`,
    );
  },
};
