/**
 * JobNotifier as the server serves it: names from src/api/notifier-schema.ts, admission through
 * validateJobNotifier (defaults applied, 422 causes with field paths), unknown-field detection
 * against its CRD schema, printer columns from the CRD.
 */
import { NOTIFIER_PRINTER_COLUMNS, notifierOpenApiSchema } from '../../api/notifier-crd.ts';
import {
  NOTIFIER_CATEGORIES,
  NOTIFIER_KIND,
  NOTIFIER_LIST_KIND,
  NOTIFIER_PLURAL,
  NOTIFIER_SHORT_NAMES,
  NOTIFIER_SINGULAR,
} from '../../api/notifier-schema.ts';
import { GROUP, VERSION } from '../../api/schema.ts';
import { findUnknownFields } from '../../api/unknown-fields.ts';
import { validateJobNotifier } from '../../api/validate-notifier.ts';
import { AGE_COLUMN } from './column-values.ts';
import type { ColumnSpec, KubeObject, ResourceKind } from './kind.ts';

export function jobNotifierKind(): ResourceKind {
  const schema = notifierOpenApiSchema();
  // The CRD's Ready/Reason columns filter conditions by type; the table renderer evaluates plain paths only.
  const readyField = (path: string) =>
    /^\.status\.conditions\[\?\(@\.type=="Ready"\)\]\.(\w+)$/.exec(path)?.[1];
  const columns: ColumnSpec[] = NOTIFIER_PRINTER_COLUMNS.map((c) => {
    const field = readyField(c.jsonPath);
    if (!field) return { ...c };
    const { jsonPath: _path, ...rest } = c;
    return {
      ...rest,
      cell: (obj: KubeObject) => {
        const conditions = (obj.status as { conditions?: Array<Record<string, unknown>> } | undefined)
          ?.conditions;
        return conditions?.find((x) => x.type === 'Ready')?.[field];
      },
    };
  });
  const firstWide = columns.findIndex((c) => (c.priority ?? 0) > 0);
  columns.splice(firstWide < 0 ? columns.length : firstWide, 0, { ...AGE_COLUMN });
  return {
    group: GROUP,
    version: VERSION,
    kind: NOTIFIER_KIND,
    listKind: NOTIFIER_LIST_KIND,
    plural: NOTIFIER_PLURAL,
    singular: NOTIFIER_SINGULAR,
    namespaced: true,
    shortNames: [...NOTIFIER_SHORT_NAMES],
    categories: [...NOTIFIER_CATEGORIES],
    statusSubresource: true,
    tracksGeneration: true,
    columns,
    fieldLabels: {},
    admit(obj: KubeObject) {
      const r = validateJobNotifier(obj);
      return r.ok
        ? { ok: true, object: r.notifier as unknown as KubeObject }
        : { ok: false, causes: r.causes };
    },
    unknownFields: (obj) => findUnknownFields(obj, schema),
    openApiSchema: () => schema,
  };
}
