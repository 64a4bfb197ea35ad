/** core/v1 Secret: base64 `data` checked, write-only `stringData` merged into it, type defaults to Opaque. */
import type { StatusCause } from '../status-errors.ts';
import { admitWith, base, objectSchema, str, stringMap } from './builtin-kind.ts';
import { AGE_COLUMN } from './column-values.ts';
import type { ResourceKind } from './kind.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function secretKind(): ResourceKind {
  return base('', 'v1', 'Secret', 'secrets', true, {
    columns: [
      { name: 'Type', type: 'string', jsonPath: '.type', description: 'The type of the secret.' },
      {
        name: 'Data',
        type: 'integer',
        description: 'Number of keys.',
        cell: (o) => Object.keys((o.data ?? {}) as object).length,
      },
      AGE_COLUMN,
    ],
    fieldLabels: { type: (o) => o.type as string | undefined },
    admit: admitWith({ data: 'stringMap', stringData: 'stringMap', type: 'string' }, (o) => {
      const data = { ...((o.data ?? {}) as Record<string, string>) };
      const causes: StatusCause[] = [];
      for (const [k, v] of Object.entries(data)) {
        if (v.length % 4 !== 0 || !BASE64.test(v))
          causes.push({
            reason: 'FieldValueInvalid',
            field: `data[${k}]`,
            message: 'Invalid value: not base64',
          });
      }
      // stringData is write-only: merged into data, never stored (as a real server does).
      for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>))
        data[k] = Buffer.from(v, 'utf8').toString('base64');
      delete o.stringData;
      if (Object.keys(data).length > 0) o.data = data;
      if (typeof o.type !== 'string' || o.type === '') o.type = 'Opaque';
      return causes;
    }),
    openApiSchema: objectSchema('Secret holds secret data of a certain type.', {
      data: stringMap('Base64-encoded values.'),
      stringData: stringMap('Write-only plain values, merged into data.'),
      type: str('Used to facilitate programmatic handling of secret data.'),
    }),
  });
}
