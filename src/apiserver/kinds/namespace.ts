/** core/v1 Namespace: cluster-scoped, `status.phase` defaults to Active (the only field it checks). */
import { admitWith, base, objectSchema, str } from './builtin-kind.ts';
import { AGE_COLUMN, evalJsonPath } from './column-values.ts';
import type { ResourceKind } from './kind.ts';

export function namespaceKind(): ResourceKind {
  return base('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    columns: [
      {
        name: 'Status',
        type: 'string',
        jsonPath: '.status.phase',
        description: 'The phase of the namespace.',
      },
      AGE_COLUMN,
    ],
    admit: admitWith({}, (o) => {
      const status = (o.status ?? {}) as Record<string, unknown>;
      o.status = { ...status, phase: status.phase ?? 'Active' };
      return [];
    }),
    fieldLabels: { 'status.phase': (o) => evalJsonPath(o, '.status.phase') as string | undefined },
    openApiSchema: objectSchema('Namespace provides a scope for Names.', {
      spec: { type: 'object', properties: { finalizers: { type: 'array', items: { type: 'string' } } } },
      status: { type: 'object', properties: { phase: str('Active or Terminating.') } },
    }),
  });
}
