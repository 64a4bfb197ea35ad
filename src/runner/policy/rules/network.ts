/**
 * spec.run.network: none and the daemon default (unset, default, bridge) always; host only with
 * --allow-host-network; container:<X> only when X opted in for the namespace (as for exec) and X is
 * not itself on the host network (unless that is allowed) nor in another container's namespace;
 * any other (user-defined) network only when named by --allow-network.
 */
import { deny } from '../decision.ts';
import { containerOptedIn, optInHint } from './opt-in.ts';
import type { PolicyRule } from './rule.ts';

const ALWAYS_ALLOWED = new Set(['', 'none', 'default', 'bridge']);
const FIELD = 'spec.run.network';

export const networkRule: PolicyRule = {
  name: 'network',
  usesFacts: true,
  check({ spec, namespace, policy, facts }) {
    const network = spec.run?.network ?? '';
    if (ALWAYS_ALLOWED.has(network)) return undefined;
    if (network === 'host') {
      return policy.allowHostNetwork
        ? undefined
        : deny(FIELD, 'HostNetworkNotAllowed', 'the host network is not allowed');
    }
    if (network.startsWith('container:')) {
      const other = facts.networkContainer;
      if (!other) {
        return deny(
          FIELD,
          'NetworkContainerNotFound',
          `joining "${network}" (no such container) is not allowed`,
        );
      }
      if (!containerOptedIn(other, namespace, policy)) {
        return deny(
          FIELD,
          'NetworkContainerNotOptedIn',
          `joining the network of ${optInHint(other, namespace)}; it is not allowed`,
        );
      }
      if (other.networkMode === 'host' && !policy.allowHostNetwork) {
        return deny(
          FIELD,
          'HostNetworkNotAllowed',
          `container "${other.name}" is on the host network: joining it (the host network) is not allowed`,
        );
      }
      if (other.networkMode.startsWith('container:')) {
        return deny(
          FIELD,
          'NetworkContainerNotAllowed',
          `container "${other.name}" shares another container's network: joining it is not allowed`,
        );
      }
      return undefined;
    }
    if (policy.allowedNetworks.includes(network)) return undefined;
    const allowed = policy.allowedNetworks.length
      ? `allowed: none, the default, ${policy.allowedNetworks.join(', ')}`
      : 'allowed: none and the default; the operator allows others with --allow-network';
    return deny(FIELD, 'NetworkNotAllowed', `network "${network}" (${allowed}) is not allowed`);
  },
};
