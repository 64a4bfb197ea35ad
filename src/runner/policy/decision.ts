/**
 * The outcome of the policy: allowed, or denied with the field path, a CamelCase reason and a
 * message a user can act on (it names the field and what would make it allowed).
 */

export interface PolicyDenial {
  /** Field path in the job, e.g. spec.run.volumes[0].source. */
  field: string;
  /** CamelCase reason, e.g. BindMountNotAllowed. */
  reason: string;
  message: string;
}

export type PolicyDecision = { allowed: true } | { allowed: false; denial: PolicyDenial };

export function deny(field: string, reason: string, what: string): PolicyDenial {
  return { field, reason, message: `${field}: ${what} by the operator's security policy` };
}
