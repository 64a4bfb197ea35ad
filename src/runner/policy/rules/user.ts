/**
 * Who a job's process runs as. baseline: any user (an exec target opted in to the namespace, so
 * its owner accepted what the job runs there). restricted: a numeric, non-zero uid (a name cannot be
 * proven non-root): spec.run.user for run, and for exec spec.exec.user or, when unset, the target
 * container's own user.
 */
import { deny } from '../decision.ts';
import { isNumericNonRoot } from '../user-id.ts';
import type { PolicyRule } from './rule.ts';

const NON_ROOT = 'a numeric uid other than 0 (e.g. "1000" or "1000:1000")';

export const userRule: PolicyRule = {
  name: 'user',
  usesFacts: true,
  check({ spec, policy, facts }) {
    if (policy.level !== 'restricted') return undefined;
    if (spec.run && !isNumericNonRoot(spec.run.user)) {
      return deny(
        'spec.run.user',
        'RunAsNonRootRequired',
        `${spec.run.user ? `user "${spec.run.user}"` : "the image's default user"} is not ${NON_ROOT} under the restricted level; it is not allowed`,
      );
    }
    if (spec.exec) {
      const user = spec.exec.user || facts.execTarget?.user;
      if (!isNumericNonRoot(user)) {
        const what = spec.exec.user
          ? `user "${spec.exec.user}"`
          : `the target container's user "${facts.execTarget?.user || 'root'}"`;
        return deny(
          'spec.exec.user',
          'RunAsNonRootRequired',
          `${what} is not ${NON_ROOT} under the restricted level; it is not allowed`,
        );
      }
    }
    return undefined;
  },
};
