/**
 * spec.run.securityContext, as Pod Security Standards have it. baseline: capabilities may only be
 * added from Docker's default set (which baseline allows). restricted: readOnlyRootFilesystem true,
 * allowPrivilegeEscalation false, capabilities.drop contains ALL, and only NET_BIND_SERVICE added.
 */
import { deny } from '../decision.ts';
import type { PolicyRule } from './rule.ts';

/** Pod Security Standards' baseline list: Docker's default capabilities. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
export const RESTRICTED_CAPABILITIES: ReadonlySet<string> = new Set(['NET_BIND_SERVICE']);

const SC = 'spec.run.securityContext';

export const securityContextRule: PolicyRule = {
  name: 'securityContext',
  usesFacts: false,
  check({ spec, policy }) {
    const run = spec.run;
    if (!run) return undefined;
    const sc = run.securityContext;
    const restricted = policy.level === 'restricted';
    const addable = restricted ? RESTRICTED_CAPABILITIES : BASELINE_CAPABILITIES;
    const add = sc?.capabilities?.add ?? [];
    for (let i = 0; i < add.length; i++) {
      if (!addable.has(add[i]!)) {
        return deny(
          `${SC}.capabilities.add[${i}]`,
          'CapabilityNotAllowed',
          `adding capability ${add[i]} under the ${policy.level} level (allowed: ${[...addable].join(', ')}) is not allowed`,
        );
      }
    }
    if (!restricted) return undefined;
    if (sc?.readOnlyRootFilesystem !== true) {
      return deny(
        `${SC}.readOnlyRootFilesystem`,
        'ReadOnlyRootFilesystemRequired',
        'must be true under the restricted level; a writable root filesystem is not allowed',
      );
    }
    if (sc.allowPrivilegeEscalation !== false) {
      return deny(
        `${SC}.allowPrivilegeEscalation`,
        'PrivilegeEscalationNotAllowed',
        'must be false under the restricted level; privilege escalation is not allowed',
      );
    }
    if (!sc.capabilities?.drop?.includes('ALL')) {
      return deny(
        `${SC}.capabilities.drop`,
        'CapabilitiesMustBeDropped',
        'must contain ALL under the restricted level; keeping the default capabilities is not allowed',
      );
    }
    return undefined;
  },
};
