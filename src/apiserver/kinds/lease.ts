/** coordination.k8s.io/v1 Lease: what leader election holds and renews. */
import { admitWith, base, int, objectSchema, str } from './builtin-kind.ts';
import { AGE_COLUMN } from './column-values.ts';
import type { ResourceKind } from './kind.ts';

export function leaseKind(): ResourceKind {
  return base('coordination.k8s.io', 'v1', 'Lease', 'leases', true, {
    columns: [
      {
        name: 'Holder',
        type: 'string',
        jsonPath: '.spec.holderIdentity',
        description: 'The current holder.',
      },
      AGE_COLUMN,
    ],
    tracksGeneration: false,
    admit: admitWith({
      spec: 'object',
      'spec.holderIdentity': 'string',
      'spec.leaseDurationSeconds': 'integer',
      'spec.leaseTransitions': 'integer',
      'spec.acquireTime': 'string',
      'spec.renewTime': 'string',
    }),
    openApiSchema: objectSchema('Lease defines a lease concept.', {
      spec: {
        type: 'object',
        properties: {
          holderIdentity: str('Identity of the holder.'),
          leaseDurationSeconds: int('Duration candidates wait to force acquire it.'),
          acquireTime: str('When the current lease was acquired (MicroTime).'),
          renewTime: str('When the current holder last updated it (MicroTime).'),
          leaseTransitions: int('Number of transitions between holders.'),
        },
      },
    }),
  });
}
