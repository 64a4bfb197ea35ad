/**
 * Ready shows a policy denial. While the last run was refused by the operator's security policy
 * (result PolicyDenied) for the current spec, Ready is False with reason PolicyDenied and the
 * denial's message (field path and reason), where the schedule alone would say True. The denial
 * counts for the current spec when the run finished after Ready last changed, or when Ready
 * already shows it for this generation; editing the spec (a new generation) clears it until a run
 * is refused again, and any run that is not refused clears it. Pure.
 */
import type { ScheduledDockerJobStatus } from '../api/schema.ts';
import { findCondition, READY } from './conditions.ts';

export const POLICY_DENIED = 'PolicyDenied' as const;

export function policyDeniedReady(
  status: ScheduledDockerJobStatus,
  generation: number | undefined,
  maxMessageLength: number,
): { reason: typeof POLICY_DENIED; message: string } | undefined {
  const last = status.lastRun;
  if (last?.result !== POLICY_DENIED) return undefined;
  const denied = {
    reason: POLICY_DENIED,
    message: `Run ${last.name} was refused: ${last.message ?? last.reason}`.slice(0, maxMessageLength),
  };
  const ready = findCondition(status.conditions, READY);
  if (ready?.reason === POLICY_DENIED) return ready.observedGeneration === generation ? denied : undefined;
  if (!ready) return denied;
  const finished = Date.parse(last.finishTime ?? '');
  return finished > Date.parse(ready.lastTransitionTime) ? denied : undefined;
}
