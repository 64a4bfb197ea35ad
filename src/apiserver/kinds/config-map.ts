/** core/v1 ConfigMap: string maps `data` and `binaryData`. */
import { admitWith, base, objectSchema, stringMap } from './builtin-kind.ts';
import { AGE_COLUMN } from './column-values.ts';
import type { ResourceKind } from './kind.ts';

export function configMapKind(): ResourceKind {
  return base('', 'v1', 'ConfigMap', 'configmaps', true, {
    shortNames: ['cm'],
    columns: [
      {
        name: 'Data',
        type: 'integer',
        description: 'Number of keys.',
        cell: (o) =>
          Object.keys((o.data ?? {}) as object).length + Object.keys((o.binaryData ?? {}) as object).length,
      },
      AGE_COLUMN,
    ],
    admit: admitWith({ data: 'stringMap', binaryData: 'stringMap' }),
    openApiSchema: objectSchema('ConfigMap holds configuration data for pods to consume.', {
      data: stringMap('Configuration data.'),
      binaryData: stringMap('Base64-encoded binary data.'),
    }),
  });
}
